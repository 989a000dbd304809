// The bench fleet's database: reused when a kept one (BENCH_KEEP=1) is verifiably the fleet asked for,
// otherwise built afresh — jobs generated in SQL, then the summaries and outcome buckets built from them
// with the plugin's own code (fleet/rebuild.ts), each step timed.
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { dropPrefixed, rawKnex } from '../lib/db.mjs';
import { MYSQL_URL, PG_URL, PLUGIN_OPTIONS } from '../lib/env.mjs';
import { fleetShape, generateFleet } from './generate.mjs';

const rebuildModule = () => import(new URL('../../plugin-server/dist/fleet/rebuild.js', import.meta.url).href);
const BUCKET_BACKFILL_MS = 31 * 86_400_000;

/** Where a fleet of `size` ('quick' | 'full') lives on `backend` ('mariadb' | 'postgres' | 'sqlite'). */
export function fleetLocation(backend, size) {
  const prefix = size === 'quick' ? 'bfleetq_' : 'bfleet_';
  if (backend === 'mariadb') return { backend, prefix, databaseUrl: MYSQL_URL };
  if (backend === 'postgres') return { backend, prefix, databaseUrl: PG_URL };
  const file = join(tmpdir(), `bt-bench-fleet-${size}.sqlite`);
  return { backend, prefix, file, databaseUrl: `sqlite:${file}` };
}

const markerTable = (prefix) => `${prefix}bench_fleet`;

/** A plugin on the fleet, its clock running from `nowMs` (the clock the fleet was generated against). */
function pluginAt(location, nowMs) {
  const opened = Date.now();
  const now = () => nowMs + (Date.now() - opened);
  const plugin = createTelemetryPlugin({
    databaseUrl: location.databaseUrl, tablePrefix: location.prefix, logger: defaultLogger('warn'), ...PLUGIN_OPTIONS,
    // The reads come from one address, far faster than a viewer: the read limiter still runs, never answering 429.
    readRateLimitPerSourcePerMinute: 1e9,
    // Every scrape the bench times reads the store (no cached per-VM series).
    metricsCacheSeconds: 0,
    now,
  });
  return { plugin, now };
}

async function appliedMigrations(knex, tables) {
  return (await knex(tables.migrations).select('name').orderBy('id')).map((r) => r.name);
}

/** The stored fleet's shape if it is complete and exactly `wanted` under the current migrations, else null. */
async function verifiedFleet(location, wanted, log) {
  if (location.file && !existsSync(location.file)) return null;
  const probe = createTelemetryPlugin({ databaseUrl: location.databaseUrl, tablePrefix: location.prefix, logger: defaultLogger('silent'), ...PLUGIN_OPTIONS });
  try {
    const { knex, tables } = probe.store;
    if (!(await knex.schema.hasTable(markerTable(location.prefix)))) return null;
    const marker = await knex(markerTable(location.prefix)).first();
    const stored = marker && JSON.parse(marker.shape);
    const same = stored && ['generator', 'vms', 'jobs_per_vm', 'jobs'].every((k) => stored[k] === wanted[k]);
    if (!same) { log(`  fleet: the kept ${location.backend} fleet is ${JSON.stringify(stored)}, not ${JSON.stringify(wanted)}: rebuilding`); return null; }
    const count = async (table) => Number((await knex(table).count({ n: '*' }))[0].n);
    const counts = { jobs: await count(tables.jobs), summaries: await count(tables.machineSummaries), machines: await count(tables.machines) };
    const migrations = JSON.stringify(await appliedMigrations(knex, tables));
    if (counts.jobs !== wanted.jobs || counts.summaries !== wanted.vms || counts.machines !== wanted.vms || migrations !== marker.migrations) {
      log(`  fleet: the kept ${location.backend} fleet holds ${JSON.stringify(counts)} under ${migrations} (built under ${marker.migrations}): rebuilding`);
      return null;
    }
    return stored;
  } catch (error) {
    log(`  fleet: could not verify the kept ${location.backend} fleet (${error.message}): rebuilding`);
    return null;
  } finally {
    await probe.close();
  }
}

/** Empties the location: drops the prefix's tables (MariaDB, PostgreSQL) or deletes the SQLite file. */
export async function dropFleet(location) {
  if (location.file) {
    for (const f of [location.file, `${location.file}-wal`, `${location.file}-shm`]) rmSync(f, { force: true });
    return;
  }
  const knex = rawKnex(location.databaseUrl);
  try { await dropPrefixed(knex, location.prefix); } finally { await knex.destroy(); }
}

async function timed(steps, name, fn) {
  const t0 = performance.now();
  const out = await fn();
  steps.push({ step: name, seconds: (performance.now() - t0) / 1000 });
  return out;
}

/**
 * Opens the fleet of `vms` × `jobsPerVm` at `location`: reused when verified, built otherwise.
 * Returns {plugin, now (its clock), shape, reused, steps: [{step, seconds}]}; the caller closes the plugin.
 */
export async function openFleet(location, { vms, jobsPerVm }, log) {
  const wanted = fleetShape({ vms, jobsPerVm, nowMs: 0 });
  const stored = await verifiedFleet(location, wanted, log);
  if (stored) {
    log(`  fleet: reusing the kept ${location.backend} fleet built at ${new Date(stored.now_ms).toISOString()}`);
    const { plugin, now } = pluginAt(location, stored.now_ms);
    await plugin.migrate();
    return { plugin, now, shape: stored, reused: true, steps: [] };
  }
  await dropFleet(location);
  const nowMs = Date.now();
  const shape = fleetShape({ vms, jobsPerVm, nowMs });
  const { plugin, now } = pluginAt(location, nowMs);
  const steps = [];
  try {
    const { knex, tables } = plugin.store;
    const { rebuildSummaries, rebuildOutcomeBuckets } = await rebuildModule();
    await timed(steps, 'migrate (empty tables)', () => plugin.migrate());
    let lastLog = 0;
    await timed(steps, `generate ${shape.jobs.toLocaleString('en-US')} jobs and ${vms.toLocaleString('en-US')} machines in SQL`, () => generateFleet(knex, tables, { vms, jobsPerVm, nowMs }, (done) => {
      if (Date.now() - lastLog > 10_000) { lastLog = Date.now(); log(`  fleet ${location.backend}: ${done.toLocaleString('en-US')} jobs generated`); }
    }));
    await timed(steps, 'build machine and repository summaries (fleet/rebuild.ts rebuildSummaries, as migration 007)', () => rebuildSummaries(knex, tables));
    await timed(steps, 'build 31 days of job_outcome_buckets (migration 008\'s backfill, one INSERT … SELECT)', () => rebuildOutcomeBuckets(knex, tables, nowMs - BUCKET_BACKFILL_MS));
    // PostgreSQL's autovacuum would analyze these tables too (each grew far past its 10 % + 50 rows
    // threshold), but only on its next minute-long round: the bench reads right away, so it analyzes.
    await timed(steps, 'ANALYZE the tables', async () => {
      const built = [tables.jobs, tables.machineSummaries, tables.repositorySummaries, tables.machines, tables.outcomeBuckets];
      if (location.file) await knex.raw('ANALYZE');
      else if (location.backend === 'postgres') for (const t of built) await knex.raw('ANALYZE ??', [t]);
      else for (const t of built) await knex.raw('ANALYZE TABLE ??', [t]);
    });
    await knex.schema.createTable(markerTable(location.prefix), (t) => { t.text('shape'); t.text('migrations'); });
    await knex(markerTable(location.prefix)).insert({ shape: JSON.stringify(shape), migrations: JSON.stringify(await appliedMigrations(knex, tables)) });
    for (const s of steps) log(`  fleet ${location.backend}: ${s.step}: ${s.seconds.toFixed(1)} s`);
    return { plugin, now, shape, reused: false, steps };
  } catch (error) {
    await plugin.close();
    throw error;
  }
}
