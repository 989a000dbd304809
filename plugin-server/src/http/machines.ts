import type { Router } from 'express';
import { getMachine, listMachines } from '../queries/backups.js';
import type { RouteContext } from './context.js';

/** `/machines`: VMs with their facts and last job (the Summary tab). */
export function machineRoutes(router: Router, { store, access, now, defaultPolicy }: RouteContext): void {
  router.get('/machines', async (req, res) => {
    await access.checkViewer(req, {});
    res.json(await listMachines(store, now(), defaultPolicy));
  });
  router.get('/machines/:vm_name', async (req, res) => {
    await access.checkViewer(req, { vm_name: req.params.vm_name });
    res.json(await getMachine(store, req.params.vm_name, now(), defaultPolicy));
  });
}
