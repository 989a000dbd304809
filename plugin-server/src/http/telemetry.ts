import type { IngestResponse } from '@backup-telemetry/contract';
import { Router } from 'express';
import { jobHistory } from '../queries/history.js';
import type { RouteContext } from './context.js';
import { requireJson } from './errors.js';

/** `/telemetry`: ingest one update; read a job's chart history. */
export function telemetryRouter({ store, pipeline, now, maxChartPoints }: RouteContext): Router {
  const router = Router();
  router.get('/telemetry/history/:job_id', async (req, res) => {
    res.json(await jobHistory(store, req.params.job_id, maxChartPoints));
  });
  router.post('/telemetry/:job_type/:job_id', requireJson, async (req, res) => {
    const { applied } = await pipeline.submit(req.params.job_type, req.params.job_id, req.body);
    const body: IngestResponse = {
      status: 'success',
      message: applied ? 'telemetry applied' : 'telemetry acknowledged; newer state is already stored',
      timestamp: new Date(now()).toISOString(),
      applied,
    };
    res.json(body);
  });
  return router;
}
