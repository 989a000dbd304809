// Bench 2: socket ingest into MariaDB and PostgreSQL (plugin.attach) vs raw Socket.IO acknowledging the same
// ~600 B event, 100 events in flight from one client process, 200 jobs; interleaved rounds, median.
import { runChild, startChild } from '../lib/child.mjs';
import { mariadbPid, postgresCpu, withCpu } from '../lib/cpu.mjs';
import { dropPrefixed, rawKnex } from '../lib/db.mjs';
import { PG_URL, QUICK, uniquePrefix } from '../lib/env.mjs';
import { jobIds } from '../lib/payload.mjs';
import { fmt, interleave, median } from '../lib/stats.mjs';

const INFLIGHT = 100;
const JOBS = 200;
const SERVER = new URL('./server.mjs', import.meta.url);
const CLIENT = new URL('./client.mjs', import.meta.url);

export async function run({ log, cpuProfDir }) {
  const seconds = QUICK ? 3 : Number(process.env.BENCH_SOCKET_SECONDS ?? 10);
  const rounds = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
  const prefix = uniquePrefix('s');
  const ids = jobIds(prefix.slice(0, -1), JOBS);
  // The plugin has lanes of its own now; two whole plugin instances side by side is an opt-in comparison.
  const withLanes = process.env.BENCH_LANES === '1';
  const lanePrefix = uniquePrefix('sl');
  const laneIds = jobIds(lanePrefix.slice(0, -1), JOBS);
  // PostgreSQL's row (PG_URL; BENCH_PG=off leaves it out); BENCH_PG_KNEX=1 adds its knex path (the A/B).
  const pgModes = PG_URL ? ['plugin-pg', ...(process.env.BENCH_PG_KNEX === '1' ? ['plugin-pg-knex'] : [])] : [];
  const pgPrefixes = Object.fromEntries(pgModes.map((m) => [m, uniquePrefix(m === 'plugin-pg' ? 'sg' : 'sk')]));
  const idsOf = (m) => (m === 'lanes' ? laneIds : pgPrefixes[m] ? jobIds(pgPrefixes[m].slice(0, -1), JOBS) : ids);
  const modes = ['raw', 'plugin', ...pgModes, ...(withLanes ? ['lanes'] : [])];
  const onPostgres = (m) => m.startsWith('plugin-pg');
  const knex = rawKnex();
  const pgKnex = PG_URL ? rawKnex(PG_URL) : null;
  const mysqld = mariadbPid();
  const postgres = postgresCpu();
  const servers = {};
  const profile = { nodeArgs: cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [], timeoutMs: 60_000 };
  try {
    servers.raw = await startChild(SERVER, ['raw']);
    servers.plugin = await startChild(SERVER, ['plugin', prefix, ids.join(',')], profile);
    for (const m of pgModes) servers[m] = await startChild(SERVER, [m, pgPrefixes[m], idsOf(m).join(',')], profile);
    if (withLanes) servers.lanes = await startChild(SERVER, ['lanes', lanePrefix, laneIds.join(',')], { timeoutMs: 60_000 });
    const drive = (m, s) => runChild(CLIENT, [String(servers[m].ready.port), idsOf(m).join(','), String(s), String(INFLIGHT)], { runTimeoutMs: (s + 60) * 1000 });
    for (const m of modes) await drive(m, 2); // warm-up
    const measure = (m) => async () => {
      const { result, cpu } = await withCpu({ server: servers[m].ready.pid, db: onPostgres(m) ? postgres : mysqld }, () => drive(m, seconds));
      return { ...result, cpu_server: cpu.server, cpu_db: cpu.db };
    };
    const samples = await interleave(Object.fromEntries(modes.map((m) => [m, measure(m)])), rounds,
      (name, r, s) => log(`  socket ${name} round ${r + 1}: ${fmt.int(s.rate)} acks/s, p99 ${fmt.ms(s.p99)}, CPU server ${Math.round(s.cpu_server * 100)}% ${onPostgres(name) ? 'postgres' : 'mariadb'} ${Math.round(s.cpu_db * 100)}%${s.failed ? `, ${s.failed} failed (${JSON.stringify(s.firstError)})` : ''}`));
    const med = (m, k) => median(samples[m].map((s) => s[k]));
    const ratioOf = (m) => median(samples[m].map((s, r) => s.rate / samples.raw[r].rate));
    const ratios = samples.plugin.map((s, r) => s.rate / samples.raw[r].rate);
    const ratio = median(ratios);
    const failures = modes.some((m) => samples[m].some((s) => s.failed));
    const pgRatios = PG_URL ? samples['plugin-pg'].map((s, r) => s.rate / samples.raw[r].rate) : [];
    const pgRatio = PG_URL ? median(pgRatios) : null;
    const label = { raw: 'raw Socket.IO ack of the same event (stores nothing)', plugin: 'plugin socket ingest → MariaDB (ack after commit)',
      'plugin-pg': 'plugin socket ingest → PostgreSQL (ack after commit)', 'plugin-pg-knex': 'A/B: plugin socket ingest → PostgreSQL through knex (a round trip per statement, every batch locking its jobs)', lanes: 'experiment: 2 plugin pipelines on the same tables, jobs hashed to one' };
    return {
      id: 'socket',
      title: '2. Socket ingest into MariaDB and PostgreSQL vs raw Socket.IO acknowledged events',
      setup: `one client process, ${INFLIGHT} events in flight, websocket transport, ${JOBS} jobs (rotating ids), ~600 B event, ${seconds} s per round, ${rounds} interleaved rounds, median; server in its own process`,
      rows: modes.map((m) => ({
        subject: label[m],
        'acks/s (median)': fmt.int(med(m, 'rate')),
        'ratio to raw (median of rounds)': m === 'raw' ? '1.00' : fmt.ratio(ratioOf(m)),
        p50: fmt.ms(med(m, 'p50')),
        p99: fmt.ms(med(m, 'p99')),
        'CPU server / database': m === 'raw' ? `${Math.round(med(m, 'cpu_server') * 100)}% / –` : `${Math.round(med(m, 'cpu_server') * 100)}% / ${Math.round(med(m, 'cpu_db') * 100)}%`,
        failed: samples[m].reduce((a, s) => a + s.failed, 0),
      })),
      target: { text: 'plugin ≥ 0.3 × raw Socket.IO acks/s', value: ratio, shown: `${fmt.ratio(ratio)} (rounds: ${ratios.map(fmt.ratio).join(', ')})`, met: ratio >= 0.3 && !failures },
      extraTargets: pgRatio === null ? [] : [{
        text: 'plugin on PostgreSQL within 20 % of MariaDB\'s ratio', value: pgRatio / ratio,
        shown: `${fmt.ratio(pgRatio)} vs ${fmt.ratio(ratio)}: ${Math.round((pgRatio / ratio) * 100)} % of MariaDB's (rounds: ${pgRatios.map(fmt.ratio).join(', ')})`, met: pgRatio >= 0.8 * ratio && !failures,
      }],
      raw: samples,
    };
  } finally {
    for (const s of Object.values(servers)) await s.stop();
    await dropPrefixed(knex, prefix);
    await dropPrefixed(knex, lanePrefix);
    for (const p of Object.values(pgPrefixes)) await dropPrefixed(pgKnex, p);
    await knex.destroy();
    await pgKnex?.destroy();
  }
}
