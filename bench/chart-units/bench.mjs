// Reading jobs rolled up before chart points moved from MiB/s to bytes per second (`node bench/chart-units/bench.mjs`,
// after the build). Builds BENCH_CHART_JOBS (default 500,000) ended jobs with legacy `performance_metrics`
// (no unit mark, s in MiB/s) by one INSERT … SELECT on SQLite and on MariaDB, then times: the upgrade
// (`migrate()`: nothing to rewrite), a full scan converting every row in keyset pages, and the newest
// page of `GET /backups` as the API reads it. Prints the figures; writes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { MYSQL_URL, QUICK, uniquePrefix } from '../lib/env.mjs';
import { runningJob } from '../lib/jobs.mjs';
import { median } from '../lib/stats.mjs';

const { metricsFromDb } = await import(new URL('../../plugin-server/dist/store/metrics-json.js', import.meta.url).href);
const JOBS = Number(process.env.BENCH_CHART_JOBS ?? (QUICK ? 50_000 : 500_000));
const PAGE = 5000;

/** A legacy rollup of a nightly job: `points` chart points in MiB/s, the phase only where it changed. */
function legacyMetrics(points) {
  const chart_data = Array.from({ length: points }, (_, i) => ({ t: i * 30, s: Math.round((120 + 40 * Math.sin(i / 9)) * 100) / 100, p: Math.round((i / (points - 1)) * 1000) / 10, ...(i === 0 ? { phase: 'snapshot' } : i === 2 ? { phase: 'transferring' } : {}) }));
  return {
    duration_seconds: points * 30, transfer_seconds: points * 30, snapshots_recorded: points, peak_speed_bps: 167772160, avg_speed_bps: 125829120, min_speed_bps: 83886080,
    peak_speed_mbps: 160, avg_speed_mbps: 120, bytes_transferred: 193273528320, chart_data, phases: [{ phase: 'snapshot', start_t: 0, end_t: 60 }, { phase: 'transferring', start_t: 60, end_t: points * 30 }],
  };
}

async function measure(name, databaseUrl, log) {
  const plugin = createTelemetryPlugin({ databaseUrl, tablePrefix: uniquePrefix('cu'), logger: defaultLogger('warn'), staleDetection: false });
  const { store } = plugin;
  const { knex, tables } = store;
  try {
    await plugin.migrate();
    const now = Date.now();
    const { job } = runningJob('legacy-template', now - 3600_000, now);
    Object.assign(job, { status: 'completed', completed_at: now, snapshot_count: 0 });
    await store.jobs.insertJob(knex, job, []);
    await knex(tables.jobs).where('id', job.id).update({ performance_metrics: JSON.stringify(legacyMetrics(60)) });
    const columns = Object.keys(await knex(tables.jobs).where('id', job.id).first());
    const mysql = databaseUrl.startsWith('mysql');
    const idOf = mysql ? "CONCAT('legacy-', s.n)" : "'legacy-' || s.n";
    const select = columns.map((c) => (c === 'id' ? `${idOf}` : c === 'created_at' ? 'j.created_at - s.n * 1000' : `j.\`${c}\``)).join(', ');
    const seq = mysql ? `(SELECT seq AS n FROM seq_1_to_${JOBS}) s` : 's';
    const cte = mysql ? '' : `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${JOBS}) `;
    let started = performance.now();
    await knex.raw(`${cte}INSERT INTO \`${tables.jobs}\` (${columns.map((c) => `\`${c}\``).join(', ')}) SELECT ${select} FROM \`${tables.jobs}\` j, ${seq} WHERE j.id = ?`, [job.id]);
    const buildMs = performance.now() - started;
    log(`  ${name}: built ${JOBS.toLocaleString('en-US')} legacy ended jobs in ${(buildMs / 1000).toFixed(1)} s`);

    started = performance.now();
    await plugin.migrate();
    const upgradeMs = performance.now() - started;

    // Full scan, every row converted: reading time vs conversion time.
    let readMs = 0;
    let convertMs = 0;
    let rows = 0;
    for (let after = ''; ;) {
      let t = performance.now();
      const page = await knex(tables.jobs).select('id', 'performance_metrics').where('id', '>', after).orderBy('id').limit(PAGE);
      readMs += performance.now() - t;
      if (page.length === 0) break;
      t = performance.now();
      for (const r of page) {
        const m = metricsFromDb(typeof r.performance_metrics === 'string' ? JSON.parse(r.performance_metrics) : r.performance_metrics);
        if (m.chart_data[1].s < 1e6) throw new Error('not converted');
      }
      convertMs += performance.now() - t;
      rows += page.length;
      after = page[page.length - 1].id;
    }

    // The newest page of GET /backups (50 jobs) as the API reads it, conversion included.
    const pageMs = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const listed = await store.jobs.list(knex, { limit: 50 });
      pageMs.push(performance.now() - t);
      if (listed.length !== 50) throw new Error('short page');
    }
    return { name, buildMs, upgradeMs, rows, readMs, convertMs, pageMs: median(pageMs) };
  } finally {
    await plugin.store.dropAll().catch(() => undefined);
    await plugin.close();
  }
}

const log = (line) => process.stderr.write(`${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'bt-chart-units-'));
try {
  const results = [await measure('SQLite', `sqlite:${join(dir, 'bench.sqlite')}`, log), await measure('MariaDB', MYSQL_URL, log)];
  console.log(`\nLegacy rollups (60 chart points in MiB/s each) read in bytes per second, ${JOBS.toLocaleString('en-US')} ended jobs:\n`);
  console.log('| database | build (one INSERT … SELECT) | upgrade (migrate) | full scan: read | full scan: convert (SQLite: incl. JSON.parse) | per job | newest 50 via list (median of 20) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.name} | ${(r.buildMs / 1000).toFixed(1)} s | ${r.upgradeMs.toFixed(0)} ms (no row rewritten) | ${(r.readMs / 1000).toFixed(1)} s | ${(r.convertMs / 1000).toFixed(1)} s | ${((r.convertMs * 1000) / r.rows).toFixed(1)} µs | ${r.pageMs.toFixed(1)} ms |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
