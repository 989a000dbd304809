// The real hub for browser tests: the built telemetry plugin (plugin-server/dist) in an Express app
// on a temporary SQLite file, with Socket.IO on /telemetry, and a fleet the tests fill through the
// same REST and ingest calls a backup client makes. Its REST API is proxied under /real-hub/api/v1 on
// the test page's own origin (the plugin serves no CORS headers); the socket is opened cross-origin
// (allowedOrigins ["*"]).
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Server } from 'socket.io';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';

const PREFIX = '/real-hub';
/** A second real plugin for tests that add VMs of their own (so the fleet's counts stay 250), REST under this prefix. */
const HISTORY_PREFIX = '/real-hub-history';
const HOUR = 3_600_000;

export function realHubPlugin() {
  let hub;
  /** Started on first use by `real-hub-import`. */
  let historyHub;
  /** The names of the 250-VM fleet seeded at start. */
  let fleet;

  async function start() {
    const dir = mkdtempSync(join(tmpdir(), 'bt-wtr-hub-'));
    let clock = Date.now();
    const plugin = createTelemetryPlugin({
      databaseUrl: `sqlite:${join(dir, 'telemetry.sqlite')}`,
      now: () => clock,
      staleDetection: false,
      snapshotIntervalSeconds: 0,
      allowedOrigins: ['*'],
      fleetPushIntervalMs: 200,
      logger: defaultLogger('silent'),
    });
    await plugin.migrate();
    const app = express();
    app.use(express.json());
    app.use('/api/v1', plugin.router);
    const http = createServer(app);
    const io = new Server(http, { cors: { origin: '*' } });
    plugin.attach(io);
    await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${http.address().port}`;
    return {
      plugin, url, dir, io, http,
      advance: (ms) => (clock += ms),
      now: () => clock,
      async close() {
        io.close();
        await plugin.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const post = (path, body, target = hub) =>
    fetch(`${target.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (res) => {
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    });
  let seq = 0;
  const register = async (vm_name, target = hub) => (await post('/backups', { id: `wtr-${process.pid}-${++seq}`, vm_name, repository_id: 'repo-a', backup_type: 'incremental', disks: [{ disk_index: 0, total_bytes: 4096 }] }, target)).backup_id;
  const submit = (id, update, target = hub) => target.plugin.ingest.submit('backup', id, { current_phase: 'transferring', bytes_transferred: 0, total_bytes: 4096, transfer_speed_bps: 0, ...update });

  /** Runs `fn` for every VM, 25 at a time (each VM's own steps stay in order). */
  async function eachVm(names, fn) {
    for (let i = 0; i < names.length; i += 25) await Promise.all(names.slice(i, i + 25).map((vm, k) => fn(vm, i + k)));
  }

  /**
   * `count` VMs named `<prefix>-0000`…: every fifth never succeeded and failed 26 h ago (at risk), the
   * rest succeeded 26 h ago; then, now, offset 1 succeeds again (protected), offset 2 succeeds and then
   * fails (warning), offset 3 only registers a job (at risk by its old success, a pending job) and
   * offset 4 does nothing (at risk).
   */
  async function seedFleet({ prefix, count }) {
    const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
    await eachVm(names, async (vm, i) => {
      const id = await register(vm);
      await submit(id, { status: 'running', bytes_transferred: 100 });
      await submit(id, i % 5 === 0 ? { status: 'failed', bytes_transferred: 100, error: 'NBD connection reset by peer' } : { status: 'completed', bytes_transferred: 4096 });
    });
    hub.advance(26 * HOUR);
    await eachVm(names, async (vm, i) => {
      if (i % 5 === 1 || i % 5 === 2) {
        const ok = await register(vm);
        await submit(ok, { status: 'running', bytes_transferred: 100 });
        await submit(ok, { status: 'completed', bytes_transferred: 4096 });
      }
      if (i % 5 === 2) {
        const failed = await register(vm);
        await submit(failed, { status: 'running', bytes_transferred: 100 });
        await submit(failed, { status: 'failed', bytes_transferred: 100, error: 'Repository unreachable' });
      } else if (i % 5 === 3) {
        await register(vm);
      }
    });
    return names;
  }

  return {
    name: 'real-hub',
    /** Koa middleware for the runner's `middleware` list (it runs before the file server): the REST proxy. */
    middleware: async (ctx, next) => {
      const [target, prefix] = ctx.path.startsWith(`${HISTORY_PREFIX}/`) ? [historyHub, HISTORY_PREFIX] : ctx.path.startsWith(`${PREFIX}/`) ? [hub, PREFIX] : [];
      if (!target) return next();
      const res = await fetch(target.url + ctx.url.slice(prefix.length), { headers: { accept: 'application/json' } });
      ctx.status = res.status;
      ctx.type = res.headers.get('content-type') ?? 'application/json';
      // Bytes as the hub sent them (JSON, or a PDF report with its download name).
      const disposition = res.headers.get('content-disposition');
      if (disposition) ctx.set('Content-Disposition', disposition);
      ctx.body = Buffer.from(await res.arrayBuffer());
    },
    async serverStart() {
      hub = await start();
      // Seeded while the other test files run, so the fleet tests do not wait seconds for it.
      fleet = seedFleet({ prefix: 'fleet', count: 250 });
      fleet.catch(() => undefined);
    },
    async serverStop() {
      await hub?.close();
      await historyHub?.close();
    },
    async executeCommand({ command, payload }) {
      // `{history: true}`: the second hub (REST under /real-hub-history/api/v1), so a test's VMs stay out of the 250-VM fleet.
      const target = payload?.history ? (historyHub ??= await start()) : hub;
      if (command === 'real-hub-url') return target.url;
      if (command === 'real-hub-fleet') return fleet;
      if (command === 'real-hub-start-job') {
        const id = await register(payload.vm_name, target);
        await submit(id, { status: 'running', bytes_transferred: 100 }, target);
        return id;
      }
      if (command === 'real-hub-progress') {
        await submit(payload.job_id, { status: 'running', bytes_transferred: payload.bytes_transferred, transfer_speed_bps: payload.transfer_speed_bps });
        return true;
      }
      if (command === 'real-hub-update') {
        await submit(payload.job_id, { status: 'running', ...payload.update }, target);
        return true;
      }
      if (command === 'real-hub-import') {
        // Ended jobs, times given as ms before now (`started_ago_ms`, `duration_ms`), into the second
        // hub (REST under /real-hub-history/api/v1); answers the import result and that hub's now.
        historyHub ??= await start();
        const now = historyHub.now();
        const jobs = payload.jobs.map(({ started_ago_ms, duration_ms, ...job }) => ({
          repository_id: 'repo-a', ...job, started_at: now - started_ago_ms, completed_at: now - started_ago_ms + duration_ms,
        }));
        return { ...(await historyHub.plugin.importJobs(jobs)), now };
      }
      if (command === 'real-hub-fleet-viewers') return (await hub.io.of('/telemetry').in('fleet').fetchSockets()).length;
      return undefined;
    },
  };
}
