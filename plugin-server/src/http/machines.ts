import { Router } from 'express';
import { getMachine, listMachines } from '../queries/backups.js';
import type { RouteContext } from './context.js';

/** `/machines`: VMs with their facts and last job (the Summary tab). */
export function machinesRouter({ store, now }: RouteContext): Router {
  const router = Router();
  router.get('/machines', async (_req, res) => {
    res.json(await listMachines(store, now()));
  });
  router.get('/machines/:vm_name', async (req, res) => {
    res.json(await getMachine(store, req.params.vm_name, now()));
  });
  return router;
}
