// Fleet reads over HTTP against a real plugin mounted in Express (a real listen, fetch with keep-alive),
// each subject interleaved with reading one job row by id, the baseline; p50/p99 per subject.
import { createServer } from 'node:http';
import express from 'express';
import { percentile } from '../lib/stats.mjs';
import { vmName } from './generate.mjs';

const BASE = '/api/v1';

/** A deterministic pseudo-random sequence (so runs read the same VMs). */
function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

async function listen(plugin) {
  const app = express();
  app.use(BASE, plugin.router);
  const server = createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}${BASE}`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

async function get(url) {
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw Object.assign(new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 200)}`), { status: res.status });
  return { bytes: Buffer.byteLength(body), json: JSON.parse(body) };
}

/**
 * The reads the brief and issue #16 name, as functions of a random VM index. `available` says
 * whether the hub serves each (h2's paged /machines and /fleet/summary may not be merged yet).
 */
export async function fleetSubjects(url, shape) {
  const vm = (r) => encodeURIComponent(vmName(Math.floor(r * shape.vms)));
  const id = (r1, r2) => `fleet-${String(Math.floor(r1 * shape.vms)).padStart(5, '0')}-${String(Math.floor(r2 * shape.jobs_per_vm)).padStart(6, '0')}`;
  const probe = async (path) => { try { return await get(url + path); } catch (error) { return { error }; } };
  const summary = await probe('/fleet/summary');
  const page = await probe('/machines?status=at_risk,warning&sort=last_success&limit=100');
  const paged = !page.error && Array.isArray(page.json?.machines) && page.json.machines.length <= 100;
  const notYet = (why) => ({ available: false, why });
  return {
    'GET /backups/:id (baseline)': { available: true, path: (r) => `/backups/${id(r(), r())}` },
    'GET /fleet/summary': summary.error ? notYet(`not yet (${summary.error.status ?? summary.error.message}: h2's endpoint not merged)`) : { available: true, path: () => '/fleet/summary' },
    'GET /machines?status=at_risk,warning&sort=last_success&limit=100': paged ? { available: true, path: () => '/machines?status=at_risk,warning&sort=last_success&limit=100' }
      : notYet(page.error ? `not yet (${page.error.status ?? page.error.message})` : `not yet (h2's paged endpoint not merged: the current one answered all ${page.json.machines?.length} machines, ${page.bytes.toLocaleString('en-US')} B)`),
    'GET /machines?q=(4 digits of a VM name)&limit=100': paged ? { available: true, path: (r) => `/machines?q=${String(Math.floor(r() * shape.vms)).padStart(5, '0').slice(0, 4)}&limit=100` } : notYet('not yet (paged /machines not merged)'),
    'GET /fleet/calendar?days=30&limit=100': paged ? { available: true, path: () => '/fleet/calendar?days=30&limit=100' } : notYet('not yet (paged /machines not merged)'),
    'GET /backups/stats (fleet)': { available: true, path: () => '/backups/stats' },
    'GET /backups/stats?vm_name=': { available: true, path: (r) => `/backups/stats?vm_name=${vm(r())}` },
    'GET /backups?vm_name=&limit=50': { available: true, path: (r) => `/backups?vm_name=${vm(r())}&limit=50` },
    // What <bt-machine-details> requests when it opens (telemetry-controller.ts loadVm): three reads at once.
    'modal load: /machines/:vm + /backups?vm_name=&limit=100 + /backups/stats?vm_name= (in parallel)': {
      available: true,
      paths: (r) => { const v = vm(r()); return [`/machines/${v}`, `/backups?vm_name=${v}&limit=100`, `/backups/stats?vm_name=${v}`]; },
    },
  };
}

/** Measures every available subject `rounds` times, interleaved; returns name → {p50, p99, bytes, ratio} or {why}. */
export async function measureReads(plugin, shape, { rounds, warmup }) {
  const server = await listen(plugin);
  try {
    const subjects = await fleetSubjects(server.url, shape);
    const live = Object.entries(subjects).filter(([, s]) => s.available);
    const random = lcg(16);
    const samples = Object.fromEntries(live.map(([name]) => [name, []]));
    const bytes = {};
    for (let r = 0; r < warmup + rounds; r++) {
      for (const [name, s] of live) {
        const t0 = performance.now();
        const got = s.paths ? await Promise.all(s.paths(random).map((p) => get(server.url + p))) : [await get(server.url + s.path(random))];
        const ms = performance.now() - t0;
        if (r >= warmup) samples[name].push(ms);
        bytes[name] = got.reduce((a, g) => a + g.bytes, 0);
      }
    }
    const baseP99 = percentile(samples['GET /backups/:id (baseline)'], 99);
    return Object.fromEntries(Object.entries(subjects).map(([name, s]) => {
      if (!s.available) return [name, { why: s.why }];
      const p99 = percentile(samples[name], 99);
      return [name, { p50: percentile(samples[name], 50), p99, bytes: bytes[name], ratio: p99 / baseP99, n: samples[name].length }];
    }));
  } finally {
    await server.close();
  }
}

/**
 * The at-risk sweep as the stale detector runs it (protection/sweep.ts `sweepProtection`: the
 * status CASE over summaries LEFT JOIN policies, then one conditional UPDATE per VM that changed),
 * `times` passes: the first records the VMs already at risk (on a freshly built fleet, one UPDATE each),
 * the others find nothing new. A kept fleet reused later has them recorded already.
 */
export async function measureSweep(plugin, nowMs, times) {
  const { sweepProtection } = await import(new URL('../../plugin-server/dist/protection/sweep.js', import.meta.url).href);
  const { defaultLogger } = await import('@backup-telemetry/plugin-server');
  const logger = defaultLogger('silent');
  const out = [];
  let changed = 0;
  let atRisk = 0;
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const pass = await sweepProtection(plugin.store, plugin.events, logger, plugin.metrics, { rpo_hours: 24, grace_minutes: 60 }, nowMs);
    out.push(performance.now() - t0);
    if (i === 0) changed = pass.at_risk.length + pass.protected.length;
  }
  const [{ n }] = await plugin.store.knex(plugin.store.tables.machineSummaries).where('protection_state', 'at_risk').count({ n: '*' });
  atRisk = Number(n);
  return { ms: out, at_risk: atRisk, first_changes: changed };
}

/** `GET /metrics` of the plugin's registry with the per-VM series read from the store, `times` scrapes: time, series and bytes. */
export async function measureScrape(plugin, times) {
  const out = [];
  let text = '';
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    text = await plugin.metrics.registry.metrics();
    out.push(performance.now() - t0);
  }
  const series = text.split('\n').filter((l) => l.startsWith('bt_machine_')).length;
  return { ms: out, series, bytes: Buffer.byteLength(text) };
}
