import type { Router } from 'express';
import { registerJob } from '../ingest/register.js';
import { backupStats, getBackup, listBackups, requireJob } from '../queries/backups.js';
import { jobLogPage } from '../queries/job-log.js';
import { principalOf, queryText, type RouteContext } from './context.js';
import { requireJson } from './errors.js';

/** `/backups`: register jobs, list and read them, their session logs, and their statistics. */
export function backupRoutes(router: Router, { store, access, registrationLimiter, now, defaultPolicy }: RouteContext): void {
  router.post('/backups', requireJson, async (req, res) => {
    const principal = principalOf(req);
    access.authenticate(principal);
    const { job, created } = await registerJob(store, req.body, now(), async (request) => {
      await access.authorize(principal, { action: 'register', job_type: request.job_type ?? 'backup', job_id: request.id, vm_name: request.vm_name });
      const source = access.sourceOf(principal);
      registrationLimiter.hit(source.key, source.what);
    }, defaultPolicy);
    res.status(created ? 201 : 200).json(job);
  });
  router.get('/backups', async (req, res) => {
    await access.checkViewer(req, { vm_name: queryText(req, 'vm_name') });
    res.json(await listBackups(store, req.query, now()));
  });
  router.get('/backups/stats', async (req, res) => {
    await access.checkViewer(req, { vm_name: queryText(req, 'vm_name') });
    res.json(await backupStats(store, req.query));
  });
  router.get('/backups/:id', async (req, res) => {
    const job = await getBackup(store, req.params.id, now());
    await access.checkViewer(req, { job_id: job.backup_id, vm_name: job.vm_name });
    res.json(job);
  });
  router.get('/backups/:id/log', async (req, res) => {
    const stored = await requireJob(store, req.params.id);
    await access.checkViewer(req, { job_id: stored.job.id, vm_name: stored.job.vm_name });
    res.json(await jobLogPage(store, stored, req.query));
  });
}
