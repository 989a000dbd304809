import type { Router } from 'express';
import { getMachine } from '../queries/backups.js';
import { listMachinePage } from '../queries/fleet.js';
import type { RouteContext } from './context.js';

/** `/machines`: pages of VMs with their facts, protection and newest job; one VM (the Summary tab). */
export function machineRoutes(router: Router, { store, access, now, defaultPolicy }: RouteContext): void {
  router.get('/machines', async (req, res) => {
    await access.checkViewer(req, {});
    res.json(await listMachinePage(store, req.query, now(), defaultPolicy));
  });
  router.get('/machines/:vm_name', async (req, res) => {
    await access.checkViewer(req, { vm_name: req.params.vm_name });
    res.json(await getMachine(store, req.params.vm_name, now(), defaultPolicy));
  });
}
