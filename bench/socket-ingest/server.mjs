// One Socket.IO server under test, in its own process: `plugin` (socket ingest through
// plugin.attach(io), acknowledged after commit, on MariaDB), `plugin-pg` (the same on PostgreSQL),
// `plugin-pg-knex` (on PostgreSQL through the portable knex path: the A/B), `raw` (Socket.IO acknowledging the same event
// with the same reply, storing nothing) or `raw-broadcast` (raw, plus a push to the job's room). Prints {ready, port, pid}; SIGTERM drops tables and exits 0.
import { createServer } from 'node:http';
import express from 'express';
import { Server } from 'socket.io';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { tell } from '../lib/child.mjs';
import { MYSQL_URL, PG_URL, PLUGIN_OPTIONS } from '../lib/env.mjs';
import { registerJobs } from '../lib/payload.mjs';
import { traceBatches } from '../lib/trace.mjs';
import { createLanes } from '../lib/lanes.mjs';

const [mode, prefix, jobList = ''] = process.argv.slice(2);
const app = express();
const httpServer = createServer(app);
const io = new Server(httpServer, { serveClient: false, transports: ['websocket'], maxHttpBufferSize: 65_536 });
let plugin = null;
let lanes = null;

if (mode === 'raw' || mode === 'raw-broadcast') {
  // raw-broadcast (fan-out baseline) also pushes each event to the job's room, as the plugin does after commit.
  const nsp = io.of('/telemetry');
  nsp.on('connection', (socket) => {
    socket.on('telemetry', (payload, ack) => {
      if (payload === null || typeof payload !== 'object') return ack?.({ ok: false });
      if (mode === 'raw-broadcast') nsp.to(`job:${payload.job_id}`).emit('job:update', { job: payload });
      ack?.({ ok: true, applied: true });
    });
    socket.on('subscribe', async (request, ack) => {
      await socket.join(`job:${request.job_id}`);
      ack?.({});
    });
  });
} else if (mode === 'lanes') {
  lanes = await createLanes(prefix, 2);
  plugin = lanes.lanes[0];
  app.use('/api/v1', plugin.router);
  io.of('/telemetry').on('connection', (socket) => {
    socket.on('telemetry', async (payload, ack) => {
      try {
        const { applied } = await lanes.submit(payload?.job_type, payload?.job_id, payload);
        ack?.({ ok: true, applied });
      } catch (error) {
        ack?.({ ok: false, error: { code: error.code, message: error.message, status: error.status } });
      }
    });
  });
} else {
  plugin = createTelemetryPlugin({ databaseUrl: mode.startsWith('plugin-pg') ? PG_URL : MYSQL_URL, tablePrefix: prefix, logger: defaultLogger('warn'), ...PLUGIN_OPTIONS });
  await plugin.migrate();
  if (mode === 'plugin-pg-knex') plugin.store.ingestTransaction = plugin.store.portableIngestTransaction;
  app.use('/api/v1', plugin.router);
  plugin.attach(io);
}

httpServer.listen(0, '127.0.0.1');
await new Promise((resolve) => httpServer.once('listening', resolve));
const port = httpServer.address().port;

if (plugin) await registerJobs(port, jobList);
if (plugin && process.env.BENCH_TRACE === '1') traceBatches(plugin);
tell({ ready: true, port, pid: process.pid });

process.once('SIGTERM', async () => {
  io.disconnectSockets(true);
  io.close();
  if (lanes) {
    await lanes.close();
  } else if (plugin) {
    await plugin.ingest.close();
    await plugin.store.dropAll().catch((e) => process.stderr.write(`drop failed: ${e.message}\n`));
    await plugin.close();
  }
  process.exit(0);
});
