import type { Router } from 'express';
import { validateJobType } from '@backup-telemetry/contract';
import { getMachine } from '../queries/backups.js';
import { listMachinePage } from '../queries/fleet.js';
import { machineInsight } from '../queries/insight.js';
import { queryText, type RouteContext } from './context.js';

/** `/machines`: pages of VMs with their facts, protection and newest job; one VM (the Summary tab); its insight. */
export function machineRoutes(router: Router, { store, access, now, defaultPolicy, insight }: RouteContext): void {
  router.get('/machines', async (req, res) => {
    await access.checkViewer(req, {});
    res.json(await listMachinePage(store, req.query, now(), defaultPolicy));
  });
  router.get('/machines/:vm_name', async (req, res) => {
    await access.checkViewer(req, { vm_name: req.params.vm_name });
    res.json(await getMachine(store, req.params.vm_name, now(), defaultPolicy));
  });
  /** Recent flagged jobs and early warnings (README, "Job insight"); `?job_type=` defaults to backup. */
  router.get('/machines/:vm_name/insight', async (req, res) => {
    const vmName = req.params.vm_name;
    await access.checkViewer(req, { vm_name: vmName });
    const jobType = validateJobType(queryText(req, 'job_type') ?? 'backup');
    res.json(await machineInsight(store, vmName, jobType, insight.backupWindowOf(vmName), insight.trendThresholds));
  });
}
