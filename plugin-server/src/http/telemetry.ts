import type { IngestResponse } from '@backup-telemetry/contract';
import type { Router } from 'express';
import { requireJob } from '../queries/backups.js';
import { jobHistory } from '../queries/history.js';
import { principalOf, type RouteContext } from './context.js';
import { requireJson } from './errors.js';

/** `/telemetry`: ingest one update; read a job's chart history. */
export function telemetryRoutes(router: Router, { store, pipeline, access, now, charts }: RouteContext): void {
  router.get('/telemetry/history/:job_id', async (req, res) => {
    const { job } = await requireJob(store, req.params.job_id, 'job_id');
    await access.checkViewer(req, { job_id: job.id, vm_name: job.vm_name });
    res.json(await jobHistory(charts, job));
  });
  router.post('/telemetry/:job_type/:job_id', requireJson, async (req, res) => {
    const { applied } = await pipeline.submit(req.params.job_type, req.params.job_id, req.body, principalOf(req));
    const body: IngestResponse = {
      status: 'success',
      message: applied ? 'Telemetry received and processed' : 'telemetry acknowledged; newer state is already stored',
      timestamp: new Date(now()).toISOString(),
      applied,
    };
    res.json(body);
  });
}
