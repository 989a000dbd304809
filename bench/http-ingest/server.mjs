// One HTTP server under test, in its own process: `plugin` (the hub's ingest on MariaDB), `plugin-pg`
// (on PostgreSQL), `plugin-pg-knex` (on PostgreSQL through the portable knex path: the A/B), `naive` (a reference:
// the plugin's own queries and applyUpdate, one transaction per request, concurrently over the pool,
// no group commit) or `express` (bare Express answering the same POST).
// Prints {ready, port}; on SIGTERM drops its tables, closes and exits 0 (so --cpu-prof is written).
import express from 'express';
import { validateUpdate } from '@backup-telemetry/contract';
import { applyUpdate, createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { tell } from '../lib/child.mjs';
import { MYSQL_URL, PG_URL, PLUGIN_OPTIONS } from '../lib/env.mjs';
import { registerJobs } from '../lib/payload.mjs';
import { traceBatches } from '../lib/trace.mjs';
import { createLanes } from '../lib/lanes.mjs';

const [mode, prefix, jobList] = process.argv.slice(2);
const app = express();
let plugin = null;
let lanes = null;

if (mode === 'express') {
  app.post('/api/v1/telemetry/:job_type/:job_id', express.json({ limit: 65_536, strict: true }), (req, res) => {
    if (!req.is('application/json') || typeof req.body !== 'object') return res.status(415).end();
    res.json({ status: 'success', message: 'telemetry applied', timestamp: new Date().toISOString(), applied: true });
  });
} else if (mode === 'lanes') {
  lanes = await createLanes(prefix, 2);
  plugin = lanes.lanes[0];
  app.post('/api/v1/telemetry/:job_type/:job_id', express.json({ limit: 65_536, strict: true }), async (req, res) => {
    try {
      const { applied } = await lanes.submit(req.params.job_type, req.params.job_id, req.body);
      res.json({ status: 'success', message: 'telemetry applied', timestamp: new Date().toISOString(), applied });
    } catch (error) {
      res.status(error.status ?? 500).json({ error: { code: error.code, message: error.message } });
    }
  });
  app.use('/api/v1', plugin.router);
} else {
  plugin = createTelemetryPlugin({
    databaseUrl: mode.startsWith('plugin-pg') ? PG_URL : MYSQL_URL,
    tablePrefix: prefix,
    logger: defaultLogger('warn'),
    ...PLUGIN_OPTIONS,
  });
  await plugin.migrate();
  if (mode === 'plugin-pg-knex') plugin.store.ingestTransaction = plugin.store.portableIngestTransaction;
  if (mode === 'naive') app.post('/api/v1/telemetry/:job_type/:job_id', express.json({ limit: 65_536, strict: true }), naiveIngest(plugin));
  app.use('/api/v1', plugin.router);
}

/** One transaction per request: lock the job, apply, insert the snapshot, write disks and job. */
function naiveIngest({ store }) {
  return async (req, res, next) => {
    try {
      const now = Date.now();
      const update = validateUpdate(req.body, { jobType: req.params.job_type, jobId: req.params.job_id, nowMs: now });
      const applied = await store.knex.transaction(async (trx) => {
        const stored = (await store.jobs.lockJobs(trx, [update.job_id])).get(update.job_id);
        if (!stored) throw Object.assign(new Error('job not found'), { status: 404 });
        const { job, disks } = stored;
        const state = { job, disks: new Map(disks.map((d) => [d.disk_index, d])) };
        const outcome = applyUpdate(state, update, now, 5000);
        if (outcome.applied && outcome.snapshot) await store.snapshots.insert(trx, [outcome.snapshot]);
        await store.jobs.saveJobs(trx, [state.job], [...state.disks.values()]);
        return outcome.applied;
      });
      res.json({ status: 'success', message: 'telemetry applied', timestamp: new Date(now).toISOString(), applied });
    } catch (error) {
      next(error);
    }
  };
}

const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const port = server.address().port;

if (plugin) await registerJobs(port, jobList);
if (plugin && process.env.BENCH_TRACE === '1') traceBatches(plugin);
tell({ ready: true, port, pid: process.pid });

process.once('SIGTERM', async () => {
  server.closeAllConnections?.();
  server.close();
  if (lanes) {
    await lanes.close();
  } else if (plugin) {
    await plugin.ingest.close(); // answer what is queued before the tables go
    await plugin.store.dropAll().catch((e) => process.stderr.write(`drop failed: ${e.message}\n`));
    await plugin.close();
  }
  process.exit(0);
});
