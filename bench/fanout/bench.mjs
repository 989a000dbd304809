// Bench 5: live fan-out. 1,000 viewer sockets (two processes of 500) in one job's room while one
// client sends 500 updates/s to that job for 10 s: delay from emitting an update to a viewer
// receiving the push that carries it, plugin (ingest → commit → job:update) vs raw Socket.IO
// broadcasting each event to the room. Server, viewers and publisher are separate processes.
import { runChild, startChild } from '../lib/child.mjs';
import { mariadbPid, withCpu } from '../lib/cpu.mjs';
import { dropPrefixed, rawKnex } from '../lib/db.mjs';
import { QUICK, uniquePrefix } from '../lib/env.mjs';
import { mergeSparse, quantile } from '../lib/histogram.mjs';
import { fmt, interleave, median } from '../lib/stats.mjs';

const SERVER = new URL('../socket-ingest/server.mjs', import.meta.url);
const VIEWERS = new URL('./viewers.mjs', import.meta.url);
const PUBLISHER = new URL('./publisher.mjs', import.meta.url);
const RATE = 500;

export async function run({ log }) {
  const viewerCount = QUICK ? 200 : Number(process.env.BENCH_FANOUT_VIEWERS ?? 1000);
  const seconds = QUICK ? 3 : Number(process.env.BENCH_FANOUT_SECONDS ?? 10);
  const rounds = QUICK ? 1 : Number(process.env.BENCH_FANOUT_ROUNDS ?? 2);
  const prefix = uniquePrefix('f');
  const jobId = `bench-${prefix.slice(0, -1)}-live`;
  const knex = rawKnex();
  const mysqld = mariadbPid();
  const servers = {};
  try {
    servers.raw = await startChild(SERVER, ['raw-broadcast']);
    servers.plugin = await startChild(SERVER, ['plugin', prefix, jobId], { timeoutMs: 60_000 });
    const once = (m) => async () => {
      const port = String(servers[m].ready.port);
      const groups = [Math.ceil(viewerCount / 2), Math.floor(viewerCount / 2)].filter(Boolean);
      const viewers = await Promise.all(groups.map((n) => startChild(VIEWERS, [port, jobId, String(n), String(seconds + 60), String(RATE * seconds - 1)], { timeoutMs: 120_000 })));
      try {
        const { result: pub, cpu } = await withCpu({ server: servers[m].ready.pid, mariadb: mysqld }, () => runChild(PUBLISHER, [port, jobId, String(RATE), String(seconds)], { runTimeoutMs: (seconds + 60) * 1000 }));
        const done = await Promise.all(viewers.map((v) => v.next((msg) => msg.done === true, (seconds + 90) * 1000)));
        const h = mergeSparse(done.map((d) => d.histogram));
        const received = done.reduce((a, d) => a + d.received, 0);
        return {
          p50: quantile(h, 0.5), p99: quantile(h, 0.99), max: quantile(h, 1), received, sent: pub.sent, acked: pub.acked, failed: pub.failed,
          per_viewer_per_s: received / viewerCount / pub.seconds, min_per_viewer: Math.min(...done.map((d) => d.min_per_viewer)),
          cpu_server: cpu.server, cpu_mariadb: cpu.mariadb, firstError: pub.firstError, unanswered: pub.unanswered, disconnected: pub.disconnected, timed_out: done.some((d) => d.timed_out),
        };
      } finally {
        for (const v of viewers) await v.stop();
      }
    };
    const samples = await interleave({ raw: once('raw'), plugin: once('plugin') }, rounds,
      (name, r, s) => log(`  fanout ${name} round ${r + 1}: p50 ${fmt.ms(s.p50)} p99 ${fmt.ms(s.p99)}, ${fmt.int(s.per_viewer_per_s)} pushes/viewer/s, sent ${s.sent} acked ${s.acked}${s.unanswered ? ` unanswered ${s.unanswered}` : ''}${s.disconnected ? ` publisher disconnected (${s.disconnected})` : ''}${s.failed ? ` failed ${s.failed} ${JSON.stringify(s.firstError)}` : ''}, CPU server ${Math.round(s.cpu_server * 100)}%${s.timed_out ? ' (some viewers never got the last update within the cap)' : ''}`));
    const med = (m, k) => median(samples[m].map((s) => s[k]));
    const label = { raw: 'raw Socket.IO: broadcast every event to the room', plugin: 'plugin: ingest → commit → job:update to the room' };
    return {
      id: 'fanout',
      title: '5. Live fan-out to 1,000 viewers at 500 updates/s',
      setup: `${viewerCount} viewer sockets (2 processes) subscribed to one job, one publisher sending ${RATE} acknowledged updates/s for ${seconds} s, server in its own process, all on 127.0.0.1; latency = viewer receipt − publisher emit of the update the push carries (wall clock, 0.1 ms buckets); ${rounds} interleaved rounds, median`,
      rows: ['raw', 'plugin'].map((m) => ({
        subject: label[m],
        'p50 emit → viewer': fmt.ms(med(m, 'p50')),
        'p99 emit → viewer': fmt.ms(med(m, 'p99')),
        'p99 ratio to raw': m === 'raw' ? '1.00' : fmt.ratio(med('plugin', 'p99') / med('raw', 'p99')),
        'pushes per viewer per s of sending': fmt.int(med(m, 'per_viewer_per_s')),
        'updates acked / sent': `${fmt.int(med(m, 'acked'))} / ${fmt.int(med(m, 'sent'))}`,
        'CPU server / MariaDB': `${Math.round(med(m, 'cpu_server') * 100)}% / ${Math.round(med(m, 'cpu_mariadb') * 100)}%`,
      })),
      notes: [
        'The plugin pushes one job:update per job per committed batch (the newest state), so viewers get fewer, fresher pushes than raw broadcasting; its latency is measured on the update each push carries.',
      ],
      target: null,
      raw: samples,
    };
  } finally {
    for (const s of Object.values(servers)) await s.stop();
    await dropPrefixed(knex, prefix);
    await knex.destroy();
  }
}
