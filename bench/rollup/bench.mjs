// Bench 3: ending a 24-hour job (17,280 snapshots at 5 s) vs only reading those rows in a transaction.
// The end is the plugin's real ingest path: a `completed` update submitted to its pipeline, which
// locks the job, rolls it up, deletes its snapshots and commits. Two cases, interleaved with the read:
//   - the hub stored the job's snapshots itself, so it kept the job's rollup up to date in memory
//     (seeded here with the call the pipeline makes after each commit, on the same rows) — the case
//     the target is about;
//   - the hub restarted mid-job (no rollup in memory): the end reads the snapshots back.
// A 24-hour job never runs alone: its snapshots are written interleaved with those of NEIGHBOURS other
// jobs running at the same time (BENCH_ROLLUP_NEIGHBOURS, default 9), and re-seeded (untimed, then 1.5 s to let
// InnoDB settle) before each timed step.
import { RollupState } from '@backup-telemetry/plugin-server';
import { dropPrefixed, pluginOn, rawKnex } from '../lib/db.mjs';
import { MYSQL_URL, PG_URL, QUICK, uniquePrefix } from '../lib/env.mjs';
import { runningJob, snapshots } from '../lib/jobs.mjs';
import { fmt, interleave, median } from '../lib/stats.mjs';

const SNAPSHOTS = 17_280;
const INTERVAL_MS = 5000;
const NEIGHBOURS = Number(process.env.BENCH_ROLLUP_NEIGHBOURS ?? 9);
const CHUNK = 1000;
const SETTLE_MS = Number(process.env.BENCH_ROLLUP_SETTLE_MS ?? 1500);

/** The bench on one database: the read, the two ends and the breakdown, in interleaved rounds. */
async function measureOn(url, name, log) {
  const rounds = QUICK ? 2 : Number(process.env.BENCH_ROLLUP_ROUNDS ?? 5);
  const prefix = uniquePrefix('r');
  const knex = rawKnex(url);
  const plugin = await pluginOn(prefix, { staleDetection: false }, url);
  const { store } = plugin;
  try {
    const endMs = Date.now();
    const startMs = endMs - SNAPSHOTS * INTERVAL_MS;
    const { job, disks } = runningJob('bench-rollup-24h', startMs, endMs);
    job.snapshot_count = SNAPSHOTS;
    const rows = snapshots(job, SNAPSHOTS, INTERVAL_MS, startMs);
    await store.knex.transaction((trx) => store.jobs.insertJob(trx, job, disks));
    const neighbours = [];
    for (let n = 0; n < NEIGHBOURS; n++) {
      const other = runningJob(`bench-rollup-neighbour-${n}`, startMs, endMs);
      await store.knex.transaction((trx) => store.jobs.insertJob(trx, other.job, other.disks));
      neighbours.push(snapshots(other.job, SNAPSHOTS, INTERVAL_MS, startMs));
    }
    // Every job's snapshots in time order, as concurrent jobs write them.
    const interleaved = rows.flatMap((row, i) => [row, ...neighbours.map((n) => n[i])]);
    /** The job running again with its 17,280 snapshots stored; `kept`: with its rollup in memory. */
    const reseed = async ({ kept }) => {
      await store.knex(store.tables.snapshots).delete();
      // The end logs a line at the job's next seq (log_count + 1): the previous end's must go with it.
      await store.knex(store.tables.jobLog).where('job_id', job.id).delete();
      for (let i = 0; i < interleaved.length; i += CHUNK) await store.knex.transaction((trx) => store.snapshots.insert(trx, interleaved.slice(i, i + CHUNK)));
      await store.knex.transaction(async (trx) => {
        await store.jobs.saveJobs(trx, [structuredClone(job)], structuredClone(disks));
      });
      plugin.ingest.rollups.forget(job.id);
      if (kept) plugin.ingest.rollups.recordStored(structuredClone(job), rows);
      // Let InnoDB's purge and page flushing of the re-seed (172,800 rows deleted and inserted) settle,
      // so that every timed step starts from the same state instead of competing with it.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    };
    const time = async (fn) => { const t0 = performance.now(); await fn(); return performance.now() - t0; };
    const read = async () => {
      await reseed({ kept: false });
      return time(() => store.knex.transaction(async (trx) => {
      const got = await store.snapshots.ofJob(trx, job.id);
        if (got.length !== SNAPSHOTS) throw new Error(`read ${got.length} snapshots, expected ${SNAPSHOTS}`);
      }));
    };
    const end = (kept) => async () => {
      await reseed({ kept });
      const ms = await time(() => plugin.ingest.submit('backup', job.id, { status: 'completed', timestamp: Date.now() }));
      const { job: ended } = await store.jobs.findJob(store.knex, job.id);
      const left = await store.knex(store.tables.snapshots).where('job_id', job.id).count({ n: '*' });
      if (ended.status !== 'completed' || ended.performance_metrics?.snapshots_recorded !== SNAPSHOTS + 1 || Number(left[0].n) !== 0) {
        throw new Error(`the end did not roll up and delete: ${ended.status}, ${ended.performance_metrics?.snapshots_recorded} samples, ${left[0].n} left`);
      }
      return ms;
    };
    // Breakdown, measured apart: keeping the rollup while the job ran (all 17,280 samples fed, in
    // total, spread over its 24 hours) and the DELETE + commit alone.
    const parts = [];
    const breakdown = async () => {
      const t0 = performance.now();
      new RollupState(startMs, 200).addAll(rows);
      const keepMs = performance.now() - t0;
      await reseed({ kept: false });
      const deleteMs = await time(() => store.knex.transaction((trx) => store.snapshots.deleteOfJob(trx, job.id)));
      parts.push({ keepMs, deleteMs });
    };
    await read(); await end(true)(); await end(false)(); // warm-up
    const samples = await interleave({ read, end: end(true), endAfterRestart: end(false) }, rounds, (step, r, ms) => log(`  rollup ${name} ${step} round ${r + 1}: ${fmt.ms(ms)}`));
    for (let r = 0; r < rounds; r++) await breakdown();
    const ratios = samples.end.map((ms, r) => ms / samples.read[r]);
    const restartRatios = samples.endAfterRestart.map((ms, r) => ms / samples.read[r]);
    const readMs = median(samples.read);
    const part = (k) => median(parts.map((p) => p[k]));
    return {
      rounds,
      ratio: median(ratios),
      ratios,
      restartRatio: median(restartRatios),
      rows: [
        { database: name, step: 'read the 17,280 snapshot rows (baseline)', 'time (median)': fmt.ms(readMs), 'ratio to read': '1.00' },
        { database: name, step: 'end job, rollup kept while it ran: roll up + delete + commit', 'time (median)': fmt.ms(median(samples.end)), 'ratio to read': fmt.x(median(ratios)) },
        { database: name, step: 'end job after a hub restart: read + roll up + delete + commit', 'time (median)': fmt.ms(median(samples.endAfterRestart)), 'ratio to read': fmt.x(median(restartRatios)) },
        { database: name, step: '  keeping the rollup while it ran: 17,280 samples fed (in all, over 24 h; measured apart)', 'time (median)': fmt.ms(part('keepMs')), 'ratio to read': fmt.x(part('keepMs') / readMs) },
        { database: name, step: '  DELETE + commit alone (measured apart)', 'time (median)': fmt.ms(part('deleteMs')), 'ratio to read': fmt.x(part('deleteMs') / readMs) },
      ],
      raw: { ...samples, parts },
    };
  } finally {
    await plugin.close();
    await dropPrefixed(knex, prefix);
    await knex.destroy();
  }
}

export async function run({ log }) {
  const mariadb = await measureOn(MYSQL_URL, 'MariaDB', log);
  const postgres = PG_URL ? await measureOn(PG_URL, 'PostgreSQL', log) : null;
  const shown = (m) => `${fmt.x(m.ratio)} (rounds: ${m.ratios.map(fmt.x).join(', ')}; after a restart ${fmt.x(m.restartRatio)})`;
  return {
    id: 'rollup',
    title: '3. Rollup of a 24-hour job vs reading its snapshots',
    setup: `${SNAPSHOTS.toLocaleString('en-US')} snapshots (24 h at 5 s) of one job in MariaDB${postgres ? ', and again in PostgreSQL' : ''}, written interleaved with those of ${NEIGHBOURS} other jobs running at the same time; "end job" = a completed update through the plugin's ingest pipeline (lock the job, roll up to 200 chart points, delete the snapshots, one commit), with the rollup the hub kept while it stored the snapshots, and after a restart (no rollup in memory: the end reads the snapshots back); "read" = the same SELECT of the snapshots in a transaction; ${mariadb.rounds} interleaved rounds per database, median; in-process (no load generator)`,
    rows: [...mariadb.rows, ...(postgres?.rows ?? [])],
    target: { text: 'end job ≤ 1.5 × read', value: mariadb.ratio, shown: shown(mariadb), met: mariadb.ratio <= 1.5 },
    extraTargets: postgres ? [{
      text: 'end job ≤ 1.5 × read on PostgreSQL, within 20 % of MariaDB\'s ratio', value: postgres.ratio / mariadb.ratio,
      shown: shown(postgres), met: postgres.ratio <= 1.5 && postgres.ratio <= 1.2 * mariadb.ratio,
    }] : [],
    raw: { ...mariadb.raw, postgres: postgres?.raw },
  };
}
