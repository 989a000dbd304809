import type { RequestHandler, Router } from 'express';
import { clearPolicy, readPolicy, setPolicy } from '../protection/policy.js';
import type { RouteContext } from './context.js';
import { requireJson } from './errors.js';

/**
 * `/machines/:vm_name/policy`: a VM's protection policy. Reading is a viewer's right; setting and
 * clearing are admin calls (`authorizeAdmin` with `{action: 'set_policy', vm_name}`; closed without the hook).
 */
export function policyRoutes(router: Router, { store, access, now, defaultPolicy }: RouteContext): void {
  router.get('/machines/:vm_name/policy', async (req, res) => {
    await access.checkViewer(req, { vm_name: req.params.vm_name });
    res.json(await readPolicy(store, req.params.vm_name, defaultPolicy, now()));
  });
  const admin: RequestHandler<{ vm_name: string }> = async (req, _res, next) => {
    await access.checkAdmin(req, { action: 'set_policy', vm_name: req.params.vm_name });
    next();
  };
  router.put('/machines/:vm_name/policy', admin, requireJson, async (req, res) => {
    res.json(await setPolicy(store, req.params.vm_name, req.body, defaultPolicy, now()));
  });
  router.delete('/machines/:vm_name/policy', admin, async (req, res) => {
    res.json(await clearPolicy(store, req.params.vm_name, defaultPolicy, now()));
  });
}
