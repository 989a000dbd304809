// Bench 1: HTTP ingest into MariaDB and PostgreSQL vs bare Express answering the same ~600 B POST.
// Servers run in their own processes; autocannon (50 connections) drives them from this one,
// rotating over 200 registered jobs. Rounds are interleaved and the median is reported.
import autocannon from 'autocannon';
import { startChild } from '../lib/child.mjs';
import { mariadbPid, postgresCpu, withCpu } from '../lib/cpu.mjs';
import { PG_URL, QUICK, uniquePrefix } from '../lib/env.mjs';
import { dropPrefixed, rawKnex } from '../lib/db.mjs';
import { jobIds, update } from '../lib/payload.mjs';
import { fmt, interleave, median } from '../lib/stats.mjs';

const CONNECTIONS = 50;
const JOBS = 200;
const SERVER = new URL('./server.mjs', import.meta.url);

function load(port, ids, seconds) {
  let seq = 0;
  const requests = [{
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    setupRequest(req) {
      const n = seq++;
      req.path = `/api/v1/telemetry/backup/${ids[n % ids.length]}`;
      req.body = JSON.stringify(update(Math.floor(n / ids.length)));
      return req;
    },
  }];
  return autocannon({ url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, duration: seconds, requests });
}

const sample = ({ result: r, cpu }) => ({
  rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, total: r.requests.total,
  cpu_server: cpu.server, cpu_db: cpu.db, cpu_loadgen: cpu.loadgen,
});
const onPostgres = (m) => m.startsWith('plugin-pg');

export async function run({ log, cpuProfDir }) {
  const seconds = QUICK ? 3 : Number(process.env.BENCH_HTTP_SECONDS ?? 10);
  const rounds = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
  const modes = ['express', 'plugin'];
  // PostgreSQL's row (PG_URL; BENCH_PG=off leaves it out); BENCH_PG_KNEX=1 adds its knex path (the A/B).
  if (PG_URL) modes.push('plugin-pg');
  if (PG_URL && process.env.BENCH_PG_KNEX === '1') modes.push('plugin-pg-knex');
  if (process.env.BENCH_HTTP_NAIVE !== '0') modes.push('naive');
  // The plugin has lanes of its own now; two whole plugin instances side by side is an opt-in comparison.
  if (process.env.BENCH_LANES === '1') modes.push('lanes');
  const prefixes = Object.fromEntries(modes.map((m) => [m, uniquePrefix(`h${onPostgres(m) ? 'g' : m[0]}`)]));
  const ids = Object.fromEntries(modes.map((m) => [m, jobIds(prefixes[m].slice(0, -1), JOBS)]));
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const servers = {};
  const knex = rawKnex();
  const pgKnex = PG_URL ? rawKnex(PG_URL) : null;
  const mysqld = mariadbPid();
  const postgres = postgresCpu();
  const dbOf = (m) => (onPostgres(m) ? postgres : mysqld);
  try {
    for (const m of modes) servers[m] = await startChild(SERVER, [m, prefixes[m], ids[m].join(',')], { nodeArgs: m === 'express' ? [] : nodeArgs, timeoutMs: 60_000 });
    for (const m of modes) await load(servers[m].ready.port, ids[m], 2); // warm-up: JIT, pools, buffer pool
    const samples = await interleave(
      Object.fromEntries(modes.map((m) => [m, async () => sample(await withCpu({ server: servers[m].ready.pid, db: dbOf(m), loadgen: process.pid }, () => load(servers[m].ready.port, ids[m], seconds)))])),
      rounds,
      (name, r, s) => log(`  http ${name} round ${r + 1}: ${fmt.int(s.rps)} req/s, p99 ${s.p99} ms, CPU server ${Math.round(s.cpu_server * 100)}% ${onPostgres(name) ? 'postgres' : 'mariadb'} ${Math.round(s.cpu_db * 100)}% autocannon ${Math.round(s.cpu_loadgen * 100)}%${s.non2xx ? `, ${s.non2xx} non-2xx` : ''}${s.errors ? `, ${s.errors} errors` : ''}`),
    );
    const med = (m, k) => median(samples[m].map((s) => s[k]));
    // Ratio per round (neighbours in time share the machine's noise), then the median of those.
    const ratioOf = (m) => median(samples[m].map((s, r) => s.rps / samples.express[r].rps));
    const rows = modes.map((m) => ({
      subject: { express: 'bare Express 5 (express.json + res.json)', plugin: 'plugin ingest → MariaDB (group commit)',
        'plugin-pg': 'plugin ingest → PostgreSQL (group commit)', 'plugin-pg-knex': 'A/B: plugin ingest → PostgreSQL through knex (a round trip per statement, every batch locking its jobs)', naive: 'one transaction per request (plugin queries, no group commit; reference)',
        lanes: 'experiment: 2 plugin pipelines on the same tables, jobs hashed to one (2 transactions in flight)' }[m],
      'req/s (median)': fmt.int(med(m, 'rps')),
      'ratio to Express (median of rounds)': fmt.ratio(ratioOf(m)),
      'p50': fmt.ms(med(m, 'p50')),
      'p99': fmt.ms(med(m, 'p99')),
      'CPU server / database / autocannon': [med(m, 'cpu_server'), med(m, 'cpu_db'), med(m, 'cpu_loadgen')].map((v) => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : '–')).join(' / '),
      'non-2xx / errors': `${samples[m].reduce((a, s) => a + s.non2xx, 0)} / ${samples[m].reduce((a, s) => a + s.errors, 0)}`,
    }));
    const ratio = ratioOf('plugin');
    const failures = modes.some((m) => samples[m].some((s) => s.non2xx || s.errors));
    const rounds_ = (m) => samples[m].map((s, r) => fmt.ratio(s.rps / samples.express[r].rps)).join(', ');
    const pgRatio = PG_URL ? ratioOf('plugin-pg') : null;
    return {
      id: 'http',
      title: '1. HTTP ingest into MariaDB and PostgreSQL vs bare Express',
      setup: `${CONNECTIONS} connections, ${JOBS} registered jobs per server (rotating ids), ~600 B JSON body, ${seconds} s per round, ${rounds} interleaved rounds, median; servers in their own processes, autocannon in the runner; snapshotIntervalSeconds = 5 (default)`,
      rows,
      target: { text: 'plugin ≥ 0.6 × Express req/s', value: ratio, shown: `${fmt.ratio(ratio)} (rounds: ${rounds_('plugin')})`, met: ratio >= 0.6 && !failures },
      extraTargets: pgRatio === null ? [] : [{
        text: 'plugin on PostgreSQL within 20 % of MariaDB\'s ratio', value: pgRatio / ratio,
        shown: `${fmt.ratio(pgRatio)} vs ${fmt.ratio(ratio)}: ${Math.round((pgRatio / ratio) * 100)} % of MariaDB's (rounds: ${rounds_('plugin-pg')})`, met: pgRatio >= 0.8 * ratio && !failures,
      }],
      raw: samples,
    };
  } finally {
    for (const s of Object.values(servers)) await s.stop();
    for (const [m, p] of Object.entries(prefixes)) await dropPrefixed(onPostgres(m) ? pgKnex : knex, p);
    await knex.destroy();
    await pgKnex?.destroy();
  }
}
