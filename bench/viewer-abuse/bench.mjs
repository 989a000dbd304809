// Bench 7: ingest while one viewer misbehaves. A hub on MariaDB holds a running 24-hour job (17,280
// snapshots); an ingest client streams socket telemetry for other jobs (IN_FLIGHT acks outstanding) and
// records each ack's latency. Interleaved rounds: no viewer, then one socket re-sending `subscribe`
// for the 24-hour job 8 at a time (own process). Reported: ack p50/p99 of each, and their ratio.
// The read limit is off (BENCH_VIEWER_READ_LIMIT, default 0): what is measured is the chart path itself.
import { io } from 'socket.io-client';
import { startChild } from '../lib/child.mjs';
import { dropPrefixed, rawKnex } from '../lib/db.mjs';
import { QUICK, uniquePrefix } from '../lib/env.mjs';
import { jobIds, update } from '../lib/payload.mjs';
import { fmt, interleave, median, percentile } from '../lib/stats.mjs';

const JOBS = 20;
const IN_FLIGHT = 4;
const SECONDS = QUICK ? 3 : Number(process.env.BENCH_VIEWER_SECONDS ?? 8);
const ROUNDS = QUICK ? 2 : Number(process.env.BENCH_VIEWER_ROUNDS ?? 3);
const LONG_JOB = 'bench-viewer-24h';

/** Streams telemetry for `ids` for `seconds`, IN_FLIGHT acks outstanding; returns each ack's latency (ms). */
async function ingest(port, ids, seconds) {
  const socket = io(`http://127.0.0.1:${port}/telemetry`, { transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
  const latencies = [];
  let seq = Math.floor(Math.random() * 1e6);
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const lane = async () => {
    while (performance.now() < until) {
      const id = ids[seq % ids.length];
      const payload = { job_type: 'backup', job_id: id, ...update(seq++) };
      const t = performance.now();
      const ack = await socket.timeout(30_000).emitWithAck('telemetry', payload).catch(() => ({ ok: false }));
      if (!ack.ok) errors++;
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  socket.close();
  return { latencies, errors };
}

export async function run({ log }) {
  const prefix = uniquePrefix('va');
  const ids = jobIds(prefix, JOBS);
  const server = await startChild(new URL('./server.mjs', import.meta.url), [prefix, LONG_JOB, ids.join(',')], { timeoutMs: 120_000 });
  const { port } = server.ready;
  const viewerCounts = [];
  try {
    await ingest(port, ids, 1); // warm-up
    const samples = await interleave({
      'no viewer': () => ingest(port, ids, SECONDS),
      'one viewer re-sending subscribe, 8 in flight': async () => {
        const viewer = await startChild(new URL('./viewer.mjs', import.meta.url), [String(port), LONG_JOB, '8']);
        await new Promise((r) => setTimeout(r, 500));
        const result = await ingest(port, ids, SECONDS);
        const stopped = viewer.next((m) => m.acks !== undefined);
        await viewer.stop();
        viewerCounts.push(await stopped.catch(() => ({ acks: NaN, refused: NaN })));
        return result;
      },
    }, ROUNDS, (name, r, s) => log(`  viewer-abuse ${name} round ${r + 1}: p50 ${fmt.ms(percentile(s.latencies, 50))}, p99 ${fmt.ms(percentile(s.latencies, 99))}, ${s.latencies.length} acks, ${s.errors} errors`));
    const summary = Object.fromEntries(Object.entries(samples).map(([name, rounds]) => [name, {
      p50: median(rounds.map((s) => percentile(s.latencies, 50))),
      p99: median(rounds.map((s) => percentile(s.latencies, 99))),
      acks_per_s: median(rounds.map((s) => s.latencies.length / SECONDS)),
      errors: rounds.reduce((a, s) => a + s.errors, 0),
    }]));
    const [quiet, abused] = Object.values(summary);
    const ratio = abused.p50 / quiet.p50;
    const subscribes = median(viewerCounts.map((c) => c.acks / (SECONDS + 0.5)));
    return {
      id: 'viewer-abuse',
      title: '7. Ingest ack latency while one viewer re-sends subscribe for a 24-hour job',
      setup: `MariaDB; the hub holds a running 24-hour job (17,280 snapshots, rollup kept as when it stored them) and ${JOBS} other jobs; one socket streams telemetry for those (${IN_FLIGHT} acks in flight, ~600 B) for ${SECONDS} s per round; the viewer (own process) re-sends subscribe for the 24-hour job, 8 in flight; read limit off; ${ROUNDS} interleaved rounds, medians`,
      rows: Object.entries(summary).map(([name, s]) => ({ subject: name, 'ack p50': fmt.ms(s.p50), 'ack p99': fmt.ms(s.p99), 'acks/s': fmt.int(s.acks_per_s), errors: String(s.errors) })),
      target: { text: 'p50 with the viewer ≤ 2 × p50 without', value: ratio, shown: `${fmt.x(ratio)} (p99 ${fmt.x(abused.p99 / quiet.p99)}), viewer answered ${fmt.int(subscribes)} subscribes/s`, met: ratio <= 2 },
      raw: { summary, viewer_subscribes_per_s: subscribes },
    };
  } finally {
    await server.stop();
    const knex = rawKnex();
    await dropPrefixed(knex, prefix).catch(() => undefined);
    await knex.destroy();
  }
}
