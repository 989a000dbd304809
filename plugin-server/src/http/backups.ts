import { Router } from 'express';
import { registerJob } from '../ingest/register.js';
import { backupStats, getBackup, listBackups } from '../queries/backups.js';
import type { RouteContext } from './context.js';
import { requireJson } from './errors.js';

/** `/backups`: register jobs, list and read them, and their statistics. */
export function backupsRouter({ store, now }: RouteContext): Router {
  const router = Router();
  router.post('/backups', requireJson, async (req, res) => {
    const { job, created } = await registerJob(store, req.body, now());
    res.status(created ? 201 : 200).json(job);
  });
  router.get('/backups', async (req, res) => {
    res.json(await listBackups(store, req.query, now()));
  });
  router.get('/backups/stats', async (req, res) => {
    res.json(await backupStats(store, req.query));
  });
  router.get('/backups/:id', async (req, res) => {
    res.json(await getBackup(store, req.params.id, now()));
  });
  return router;
}
