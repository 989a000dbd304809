// Bench 8: fleet reads at 10,000 VMs and 5,000,000 ended jobs (MariaDB and PostgreSQL; 1,000,000 on SQLite), each
// against reading one job row by id in the same run, the at-risk sweep's SELECT, and a capacity table
// from measured CPU per update. The fleet is generated in SQL (generate.mjs), summarized with the
// plugin's code (fleet/rebuild.ts), reused across runs only when BENCH_KEEP=1 kept a verified copy.
//   BENCH_QUICK=1   1,000 VMs × 100 jobs on every database, few rounds (a smoke run)
//   BENCH_KEEP=1    keep the fleet's tables (bfleet_* / bfleetq_*, and the SQLite file in the temp dir)
//   BENCH_PG=off    leave PostgreSQL out
//   BENCH_FLEET_DATABASES=postgres   MariaDB (the verdict's reference) and only these others, while tuning one
import { existsSync, readFileSync } from 'node:fs';
import { rawKnex } from '../lib/db.mjs';
import { PG_URL, QUICK } from '../lib/env.mjs';
import { fmt, median } from '../lib/stats.mjs';
import { fleetNeeds, measureCpuPerUpdate, vmsPerCore } from './capacity.mjs';
import { dropFleet, fleetLocation, openFleet } from './fleet-db.mjs';
import { measureReads, measureScrape, measureSweep } from './reads.mjs';

const KEEP = process.env.BENCH_KEEP === '1';
const SIZES = QUICK
  ? { mariadb: { vms: 1000, jobsPerVm: 100 }, postgres: { vms: 1000, jobsPerVm: 100 }, sqlite: { vms: 1000, jobsPerVm: 100 } }
  : { mariadb: { vms: 10_000, jobsPerVm: 500 }, postgres: { vms: 10_000, jobsPerVm: 500 }, sqlite: { vms: 10_000, jobsPerVm: 100 } };
const LABELS = { mariadb: 'MariaDB', postgres: 'PostgreSQL', sqlite: 'SQLite' };
/** The issue #20 target: PostgreSQL's figures within this factor of MariaDB's. */
const TARGET_PG_FACTOR = 1.2;
const TARGET_P99_MS = 50;
const TARGET_RATIO = 20;
const TARGET_SWEEP_MS = 1000;
const BASELINE = 'GET /backups/:id (baseline)';
const FLEET_100K = 100_000;

/** Bytes per ended job from bench/storage's last recorded run (its 24-hour job: a full 200-point chart). */
function storageFigures() {
  const file = new URL('../results.json', import.meta.url);
  const raw = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).results?.storage?.raw : null;
  return raw ? { day: raw['24-hour job'].total, minute: raw['1-minute job'].total, measured_at: JSON.parse(readFileSync(file, 'utf8')).results.storage.measured_at } : null;
}

/** InnoDB bytes (data + indexes) of the fleet's tables, per job and per VM. */
async function innodbSizes(prefix, shape) {
  const knex = rawKnex();
  try {
    const [rows] = await knex.raw('SELECT table_name AS t, data_length AS d, index_length AS i FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?', [`${prefix.replace(/_/g, '\\_')}%`]);
    const of = (suffix) => rows.filter((r) => String(r.t ?? r.TABLE_NAME).endsWith(suffix)).reduce((a, r) => ({ d: a.d + Number(r.d), i: a.i + Number(r.i) }), { d: 0, i: 0 });
    const jobs = of('backup_jobs');
    const perVm = ['machine_summaries', 'machine_repository_summaries', 'backup_machines', 'machine_policies'].map(of).reduce((a, b) => a + b.d + b.i, 0);
    return { jobDataBytes: jobs.d / shape.jobs, jobIndexBytes: jobs.i / shape.jobs, perVmBytes: perVm / shape.vms, totalBytes: rows.reduce((a, r) => a + Number(r.d) + Number(r.i), 0) };
  } finally {
    await knex.destroy();
  }
}

async function onBackend(backend, log) {
  const size = QUICK ? 'quick' : 'full';
  const location = fleetLocation(backend, size);
  const t0 = performance.now();
  const { plugin, now, shape, reused, steps } = await openFleet(location, SIZES[backend], log);
  try {
    const reads = await measureReads(plugin, shape, { rounds: QUICK ? 20 : 200, warmup: QUICK ? 2 : 10 });
    for (const [name, r] of Object.entries(reads)) log(`  ${backend} ${name}: ${r.why ?? `p50 ${fmt.ms(r.p50)}, p99 ${fmt.ms(r.p99)} (${fmt.x(r.ratio)} by-id)`}`);
    const sweep = await measureSweep(plugin, now(), QUICK ? 3 : 9);
    log(`  ${backend} at-risk sweep pass: median ${fmt.ms(median(sweep.ms))}, first pass ${fmt.ms(sweep.ms[0])} with ${sweep.first_changes} changes, ${sweep.at_risk} VMs at risk`);
    const scrape = await measureScrape(plugin, QUICK ? 2 : 5);
    log(`  ${backend} /metrics scrape with the per-VM series: median ${fmt.ms(median(scrape.ms))}, max ${fmt.ms(Math.max(...scrape.ms))}, ${scrape.series} bt_machine_ series, ${scrape.bytes} bytes`);
    const sizes = backend === 'mariadb' ? await innodbSizes(location.prefix, shape) : null;
    return { backend, shape, reused, steps, reads, sweep, scrape, sizes, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await plugin.close();
    if (!KEEP) await dropFleet(location);
  }
}

const readRows = (b) => Object.entries(b.reads).map(([name, r]) => ({
  database: LABELS[b.backend],
  read: name,
  p50: r.why ? '–' : fmt.ms(r.p50),
  p99: r.why ? r.why : fmt.ms(r.p99),
  'p99 / by-id p99': r.why ? '–' : fmt.x(r.ratio),
  'answer bytes': r.why ? '–' : fmt.int(r.bytes),
}));

export async function run({ log }) {
  const backends = {};
  const only = process.env.BENCH_FLEET_DATABASES?.split(',');
  const databases = ['mariadb', ...(PG_URL ? ['postgres'] : []), 'sqlite'].filter((b) => b === 'mariadb' || !only || only.includes(b));
  for (const backend of databases) backends[backend] = await onBackend(backend, log);
  const cpu = await measureCpuPerUpdate({ seconds: QUICK ? 3 : 10, rounds: QUICK ? 1 : 3, log });
  const storage = storageFigures();
  const m = backends.mariadb;
  // The calendar (issue #19) is measured beside the reads issue #16 targets, not counted in their verdict.
  const isTargeted = (name) => !name.includes('/fleet/calendar');
  const verdictOf = (b) => {
    const fleetReads = Object.entries(b.reads).filter(([name, r]) => name !== BASELINE && !r.why && isTargeted(name));
    const worstP99 = Math.max(...fleetReads.map(([, r]) => r.p99));
    const worstRatio = Math.max(...fleetReads.map(([, r]) => r.ratio));
    const sweepMs = Math.max(...b.sweep.ms); // the slowest pass, the first with its changes included
    return { fleetReads, worstP99, worstRatio, sweepMs, met: worstP99 <= TARGET_P99_MS && worstRatio <= TARGET_RATIO && sweepMs < TARGET_SWEEP_MS };
  };
  const missing = Object.entries(m.reads).filter(([, r]) => r.why).map(([name]) => name);
  const { worstP99, worstRatio, sweepMs, met: mariadbMet } = verdictOf(m);
  // PostgreSQL: the same absolute targets, and each targeted read's p99 within 20 % of MariaDB's.
  const p = backends.postgres;
  const pv = p && verdictOf(p);
  const pgVsMariadb = p ? pv.fleetReads.map(([name, r]) => ({ name, factor: r.p99 / m.reads[name].p99 })) : [];
  const worstPg = pgVsMariadb.reduce((a, b) => (b.factor > (a?.factor ?? 0) ? b : a), null);
  const pgMet = !p || (pv.met && pgVsMariadb.every((x) => x.factor <= TARGET_PG_FACTOR));
  const met = mariadbMet && pgMet;
  const pgRows = p ? pv.fleetReads.map(([name, r]) => ({ read: name, 'MariaDB p99': fmt.ms(m.reads[name].p99), 'PostgreSQL p99': fmt.ms(r.p99), 'PostgreSQL / MariaDB': fmt.x(r.p99 / m.reads[name].p99) }))
    .concat([
      { read: 'at-risk sweep (slowest pass)', 'MariaDB p99': fmt.ms(sweepMs), 'PostgreSQL p99': fmt.ms(pv.sweepMs), 'PostgreSQL / MariaDB': fmt.x(pv.sweepMs / sweepMs) },
      { read: '/metrics scrape (median)', 'MariaDB p99': fmt.ms(median(m.scrape.ms)), 'PostgreSQL p99': fmt.ms(median(p.scrape.ms)), 'PostgreSQL / MariaDB': fmt.x(median(p.scrape.ms) / median(m.scrape.ms)) },
    ]) : [];

  const bytesPerJob = (storage?.day ?? NaN) + (m.sizes?.jobIndexBytes ?? 0);
  const needs = (share) => fleetNeeds({ vms: FLEET_100K, concurrentShare: share, hubUs: cpu.hub_us, dbUs: cpu.db_us, bytesPerJob, jobsPerVmPerDay: 1, summaryBytesPerVm: m.sizes?.perVmBytes ?? 0 });
  const all = needs(1);
  const window = needs(1 / 8);
  const GB = 1e9;
  const capacityRows = [
    { figure: 'hub CPU per update (socket ingest, ack after commit)', value: `${fmt.int(cpu.hub_us)} µs`, 'from': `median of ${cpu.runs.length} runs, ${fmt.int(median(cpu.runs.map((r) => r.updates)))} updates each at ${fmt.int(cpu.rate)}/s` },
    { figure: 'MariaDB CPU per update', value: `${fmt.int(cpu.db_us)} µs`, 'from': 'mariadbd /proc utime+stime over the same runs (includes whatever else used MariaDB meanwhile)' },
    { figure: 'running VMs one hub core carries (one update per 5 s)', value: fmt.int(vmsPerCore(cpu.hub_us)), 'from': '5 s × 10⁶ / hub µs' },
    { figure: 'running VMs one database core carries', value: fmt.int(vmsPerCore(cpu.db_us)), 'from': '5 s × 10⁶ / MariaDB µs' },
    { figure: 'bytes per ended job', value: fmt.bytes(bytesPerJob), 'from': `bench/storage's 24-hour job (${fmt.bytes(storage?.day)}, 200-point chart; a 1-minute job ${fmt.bytes(storage?.minute)}) + the fleet's measured InnoDB index bytes per job (${fmt.bytes(m.sizes?.jobIndexBytes)})` },
    { figure: 'summary, machine and policy bytes per VM', value: fmt.bytes(m.sizes?.perVmBytes), 'from': 'InnoDB data + index of those tables in the built fleet / VMs' },
  ];
  const fleetRows = [
    { 'a 100,000-VM fleet': 'all 100,000 running at once (upper bound)', 'updates/s': fmt.int(all.updatesPerSecond), 'hub cores at 70 %': all.hubCores.toFixed(1), 'database cores at 70 %': all.dbCores.toFixed(1), 'database growth per year (1 job/VM/day)': `${(all.bytesPerYear / GB).toFixed(0)} GB` },
    { 'a 100,000-VM fleet': 'an 8-hour nightly window of 1-hour jobs (1/8 running at once)', 'updates/s': fmt.int(window.updatesPerSecond), 'hub cores at 70 %': window.hubCores.toFixed(1), 'database cores at 70 %': window.dbCores.toFixed(1), 'database growth per year (1 job/VM/day)': `${(window.bytesPerYear / GB).toFixed(0)} GB` },
  ];
  const buildRows = Object.values(backends).flatMap((b) => (b.reused ? [{ database: b.backend, step: 'reused the kept fleet (verified: shape, row counts, migrations)', seconds: '–' }]
    : b.steps.map((s) => ({ database: b.backend, step: s.step, seconds: s.seconds.toFixed(1) }))));
  const shapeText = (b) => `${b.shape.vms.toLocaleString('en-US')} VMs × ${b.shape.jobs_per_vm} nightly jobs = ${b.shape.jobs.toLocaleString('en-US')} ended jobs`;
  return {
    id: 'fleet',
    title: '8. Fleet reads and capacity',
    setup: `${Object.values(backends).map((b) => `${LABELS[b.backend]}: ${shapeText(b)}`).join('; ')}; generated in SQL (bench/fleet/generate.mjs: 90 % completed, 7 % failed with error text, 3 % cancelled, every 50th VM stopped 4 days ago, every 500th never succeeded, metrics JSON on every 10th completed job), summaries built by fleet/rebuild.ts; reads over HTTP from a real plugin in Express (fetch, keep-alive), ${m.reads[BASELINE].n} interleaved rounds after warm-up, a random VM or job each round; p99 ratio against GET /backups/:id in the same run; the sweep is protection/sweep.ts's pass as the stale detector runs it (the status CASE over summaries LEFT JOIN policies, then one conditional UPDATE per VM that changed); default policy 24 h + 60 min; GET /fleet/calendar (issue #19) is measured beside the reads issue #16 targets and not counted in the verdict`,
    rows: [...Object.values(backends).flatMap(readRows), ...Object.values(backends).map((b) => ({ database: LABELS[b.backend], read: `at-risk sweep pass over ${b.shape.vms.toLocaleString('en-US')} VMs (${b.sweep.at_risk} at risk; first pass ${fmt.ms(b.sweep.ms[0])}, ${b.sweep.first_changes} changes)`, p50: fmt.ms(median(b.sweep.ms)), p99: `max ${fmt.ms(Math.max(...b.sweep.ms))} of ${b.sweep.ms.length}`, 'p99 / by-id p99': '–', 'answer bytes': '–' })),
      ...Object.values(backends).map((b) => ({ database: LABELS[b.backend], read: `/metrics scrape, per-VM series read from the store (${b.scrape.series.toLocaleString('en-US')} bt_machine_ series; issue #17: under 1 s)`, p50: fmt.ms(median(b.scrape.ms)), p99: `max ${fmt.ms(Math.max(...b.scrape.ms))} of ${b.scrape.ms.length}`, 'p99 / by-id p99': '–', 'answer bytes': fmt.int(b.scrape.bytes) }))],
    extra: [...(p ? [pgRows] : []), buildRows, capacityRows, fleetRows],
    target: {
      text: `MariaDB${p ? ' and PostgreSQL' : ''}: every fleet read ≤ ${TARGET_P99_MS} ms p99 and ≤ ${TARGET_RATIO}× the by-id p99; at-risk sweep < 1 s${p ? `; PostgreSQL's p99 within ${Math.round((TARGET_PG_FACTOR - 1) * 100)} % of MariaDB's per read` : ''}`,
      value: worstP99,
      shown: `MariaDB worst p99 ${fmt.ms(worstP99)}, worst ratio ${fmt.x(worstRatio)}, sweep ${fmt.ms(sweepMs)}${p ? `; PostgreSQL worst p99 ${fmt.ms(pv.worstP99)}, worst ratio ${fmt.x(pv.worstRatio)}, sweep ${fmt.ms(pv.sweepMs)}, worst against MariaDB ${fmt.x(worstPg.factor)} (${worstPg.name})` : ''}${missing.length ? `; not yet measured: ${missing.join(', ')}` : ''}`,
      met: missing.length ? (met ? null : false) : met,
    },
    notes: [
      'Hub and database cores are planned at 70 % busy; one Node hub process uses one core, so hub cores = hub instances behind a load balancer, with Redis (@socket.io/redis-adapter) carrying pushes between them.',
      'MariaDB CPU is read from the whole mariadbd process: on a shared machine it includes other clients\' queries, so it is an upper bound.',
      'Database growth counts job rows and their index entries (bench/storage bytes + measured index bytes per job) and one set of summary rows per VM; InnoDB page fill and binlogs come on top.',
    ],
    raw: { backends: Object.fromEntries(Object.entries(backends).map(([k, b]) => [k, { ...b }])), cpu, storage, needs: { all, window } },
  };
}
