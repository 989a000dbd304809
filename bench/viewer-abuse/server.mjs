// The hub under test, in its own process: the plugin on MariaDB (socket ingest + subscriptions) holding
// one running 24-hour job (17,280 snapshots at 5 s) whose snapshots it stores, so it keeps its rollup
// (seeded with the call the pipeline makes after each commit), and the ingest bench's jobs.
// Prints {ready, port}; SIGTERM drops tables and exits 0.
import { createServer } from 'node:http';
import express from 'express';
import { Server } from 'socket.io';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { tell } from '../lib/child.mjs';
import { MYSQL_URL, PLUGIN_OPTIONS } from '../lib/env.mjs';
import { runningJob, seedJob, snapshots } from '../lib/jobs.mjs';
import { registerJobs } from '../lib/payload.mjs';

const [prefix, longJobId, jobList] = process.argv.slice(2);
const SNAPSHOTS = 17_280;
const readLimit = Number(process.env.BENCH_VIEWER_READ_LIMIT ?? 0);
const plugin = createTelemetryPlugin({ databaseUrl: MYSQL_URL, tablePrefix: prefix, logger: defaultLogger('warn'), ...PLUGIN_OPTIONS, readRateLimitPerSourcePerMinute: readLimit });
await plugin.migrate();
const app = express();
app.use('/api/v1', plugin.router);
const httpServer = createServer(app);
const io = new Server(httpServer, { serveClient: false, transports: ['websocket'], maxHttpBufferSize: 65_536 });
plugin.attach(io);

const nowMs = Date.now();
const startMs = nowMs - SNAPSHOTS * 5000;
const { job, disks } = runningJob(longJobId, startMs, nowMs);
job.snapshot_count = SNAPSHOTS;
const rows = snapshots(job, SNAPSHOTS, 5000, startMs);
await seedJob(plugin.store, job, disks, rows);
plugin.ingest.rollups.recordStored(job, rows);

httpServer.listen(0, '127.0.0.1');
await new Promise((resolve) => httpServer.once('listening', resolve));
const port = httpServer.address().port;
await registerJobs(port, jobList);
tell({ ready: true, port });

process.on('SIGTERM', async () => {
  io.close();
  await plugin.store.dropAll().catch(() => undefined);
  await plugin.close();
  process.exit(0);
});
