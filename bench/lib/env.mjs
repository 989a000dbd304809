// Facts about the machine and the database the figures were measured on, and the shared bench knobs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';

export const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
/** PostgreSQL for the benches' PostgreSQL rows; `BENCH_PG=off` leaves them out. */
export const PG_URL = process.env.BENCH_PG === 'off' ? null : process.env.BENCH_PG_URL ?? process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A table prefix no other run or test shares; every bench drops its tables at the end. */
export const uniquePrefix = (tag) => `b${tag}${randomBytes(3).toString('hex')}_`;

/** `BENCH_QUICK=1` shortens every bench (a smoke run); figures from it are not worth quoting. */
export const QUICK = process.env.BENCH_QUICK === '1';

export async function machineFacts(knex) {
  let mariadb = 'unknown';
  try {
    const [rows] = await knex.raw('SELECT VERSION() AS v');
    mariadb = rows[0].v;
  } catch { /* reported as unknown */ }
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try { nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()); } catch { /* keep os value */ }
  return {
    date: new Date().toISOString(),
    nproc,
    cpu,
    memory_gib: Math.round(os.totalmem() / 1024 ** 3 * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    mariadb,
    loadavg: os.loadavg().map((v) => v.toFixed(2)).join(' '),
  };
}

/**
 * Plugin options every bench instance uses: rate limits set far above any bench rate (so the limiter
 * still runs but never answers 429 to a load generator on one address), no stale-detector cron.
 */
export const PLUGIN_OPTIONS = {
  rateLimitPerMinute: 1e9, rateLimitPerSourcePerMinute: 1e9, staleDetection: false,
  // BENCH_LANES_PER_PLUGIN overrides the plugin's ingest lanes (default: 4 on MySQL).
  ...(process.env.BENCH_LANES_PER_PLUGIN ? { ingestLanes: Number(process.env.BENCH_LANES_PER_PLUGIN) } : {}),
};
