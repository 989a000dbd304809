// Bench 3: ending a 24-hour job (17,280 snapshots at 5 s) — the plugin's finishJob: read the
// snapshots, roll them up, delete them, in one committed transaction — vs only reading those rows
// in a transaction. Interleaved rounds on MariaDB; the snapshots are re-inserted (untimed) each round.
// A 24-hour job never runs alone: its snapshots are written interleaved with those of NEIGHBOURS other
// jobs running at the same time (BENCH_ROLLUP_NEIGHBOURS, default 9), and re-seeded that way each time.
import { rollup } from '@backup-telemetry/plugin-server';
import { dropPrefixed, pluginOn, rawKnex } from '../lib/db.mjs';
import { QUICK, uniquePrefix } from '../lib/env.mjs';
import { finishJobModule, runningJob, snapshots } from '../lib/jobs.mjs';
import { fmt, interleave, median } from '../lib/stats.mjs';

const SNAPSHOTS = 17_280;
const INTERVAL_MS = 5000;
const NEIGHBOURS = Number(process.env.BENCH_ROLLUP_NEIGHBOURS ?? 9);
const CHUNK = 1000;

export async function run({ log }) {
  const rounds = QUICK ? 2 : Number(process.env.BENCH_ROLLUP_ROUNDS ?? 5);
  const prefix = uniquePrefix('r');
  const knex = rawKnex();
  const plugin = await pluginOn(prefix, { staleDetection: false });
  const { store } = plugin;
  const { finishJob } = await finishJobModule();
  try {
    const endMs = Date.now();
    const startMs = endMs - SNAPSHOTS * INTERVAL_MS;
    const { job, disks } = runningJob('bench-rollup-24h', startMs, endMs);
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
    const reseed = async () => {
      await store.knex(store.tables.snapshots).delete();
      for (let i = 0; i < interleaved.length; i += CHUNK) await store.knex.transaction((trx) => store.snapshots.insert(trx, interleaved.slice(i, i + CHUNK)));
    };
    await reseed();
    const time = async (fn) => { const t0 = performance.now(); await fn(); return performance.now() - t0; };
    let parts = [];
    const read = async () => time(() => store.knex.transaction(async (trx) => {
      const got = await store.snapshots.ofJob(trx, job.id);
      if (got.length !== SNAPSHOTS) throw new Error(`read ${got.length} snapshots, expected ${SNAPSHOTS}`);
    }));
    const finish = async () => {
      const j = structuredClone(job);
      const d = structuredClone(disks);
      const ms = await time(() => store.knex.transaction(async (trx) => {
        const metrics = await finishJob(store, trx, j, d, endMs, 200);
        if (metrics.snapshots_recorded !== SNAPSHOTS + 1) throw new Error(`rolled up ${metrics.snapshots_recorded} samples`);
      }));
      // Breakdown (untimed above): the pure rollup alone on the same rows, and the delete alone.
      const t0 = performance.now();
      rollup({ samples: rows, startedAtMs: startMs, completedAtMs: endMs, bytesTransferred: job.bytes_transferred, maxChartPoints: 200 });
      const rollupMs = performance.now() - t0;
      await reseed();
      const deleteMs = await time(() => store.knex.transaction((trx) => store.snapshots.deleteOfJob(trx, job.id)));
      await reseed();
      parts.push({ rollupMs, deleteMs });
      return ms;
    };
    await read(); await finish(); parts = []; // warm-up
    const samples = await interleave({ read, finish }, rounds, (name, r, ms) => log(`  rollup ${name} round ${r + 1}: ${fmt.ms(ms)}`));
    const ratios = samples.finish.map((ms, r) => ms / samples.read[r]);
    const ratio = median(ratios);
    const readMs = median(samples.read);
    return {
      id: 'rollup',
      title: '3. Rollup of a 24-hour job vs reading its snapshots',
      setup: `${SNAPSHOTS.toLocaleString('en-US')} snapshots (24 h at 5 s) of one job in MariaDB, written interleaved with those of ${NEIGHBOURS} other jobs running at the same time; "end job" = the plugin's finishJob (read + rollup to 200 chart points + delete) committed in one transaction; "read" = the same SELECT in a transaction; ${rounds} interleaved rounds, median; in-process (no load generator)`,
      rows: [
        { step: 'read the 17,280 snapshot rows (baseline)', 'time (median)': fmt.ms(readMs), 'ratio to read': '1.00' },
        { step: 'end job: read + rollup + delete + commit', 'time (median)': fmt.ms(median(samples.finish)), 'ratio to read': fmt.x(ratio) },
        { step: '  of which pure rollup() (measured apart)', 'time (median)': fmt.ms(median(parts.map((p) => p.rollupMs))), 'ratio to read': fmt.x(median(parts.map((p) => p.rollupMs)) / readMs) },
        { step: '  of which DELETE + commit (measured apart)', 'time (median)': fmt.ms(median(parts.map((p) => p.deleteMs))), 'ratio to read': fmt.x(median(parts.map((p) => p.deleteMs)) / readMs) },
      ],
      target: { text: 'end job ≤ 1.5 × read', value: ratio, shown: `${fmt.x(ratio)} (rounds: ${ratios.map(fmt.x).join(', ')})`, met: ratio <= 1.5 },
      raw: { ...samples, parts },
    };
  } finally {
    await plugin.close();
    await dropPrefixed(knex, prefix);
    await knex.destroy();
  }
}
