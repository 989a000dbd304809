#!/usr/bin/env node
// Entry of `npm run bench` (after the build): runs the benches one after another, prints each table,
// merges the results into bench/results.json and rewrites the generated part of bench/RESULTS.md.
//
//   node bench/run.mjs                 every bench
//   node bench/run.mjs http rollup     only these (ids: http socket rollup storage fanout web viewer-abuse fleet chart-live)
//   BENCH_QUICK=1 node bench/run.mjs   a short smoke run (figures not worth quoting: printed, never written to the results)
//   BENCH_CPU_PROF=1 node bench/run.mjs http   also writes .cpuprofile files of the servers to bench/profiles/
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { machineFacts, PG_URL, QUICK } from './lib/env.mjs';
import { databaseVersion, rawKnex } from './lib/db.mjs';
import { section, writeResultsMd } from './lib/report.mjs';

const BENCHES = {
  http: './http-ingest/bench.mjs',
  socket: './socket-ingest/bench.mjs',
  rollup: './rollup/bench.mjs',
  storage: './storage/bench.mjs',
  fanout: './fanout/bench.mjs',
  web: './web/bench.mjs',
  'viewer-abuse': './viewer-abuse/bench.mjs',
  fleet: './fleet/bench.mjs',
  'chart-live': './chart-live/bench.mjs',
};
const ORDER = Object.keys(BENCHES);

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const id of chosen) if (!BENCHES[id]) { console.error(`unknown bench ${id}; known: ${ORDER.join(' ')}`); process.exit(2); }
const ids = chosen.length ? chosen : ORDER;

const cpuProfDir = process.env.BENCH_CPU_PROF === '1' ? here('./profiles') : undefined;
if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
const log = (line) => process.stderr.write(`${line}\n`);

const knex = rawKnex();
const machine = await machineFacts(knex);
await knex.destroy();
if (PG_URL) {
  const pg = rawKnex(PG_URL);
  machine.postgres = await databaseVersion(pg);
  await pg.destroy();
}
log(`bench on ${machine.nproc} CPUs, Node ${machine.node}, MariaDB ${machine.mariadb}, PostgreSQL ${machine.postgres ?? 'off'}, load ${machine.loadavg}`);

const jsonFile = here('./results.json');
const stored = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : { results: {} };
let failed = false;
for (const id of ids) {
  log(`\n▶ ${id}`);
  const started = Date.now();
  const loadavg = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  let result;
  try {
    const mod = await import(BENCHES[id]);
    result = await mod.run({ log, cpuProfDir });
  } catch (error) {
    failed = true;
    log(`  ${id} failed: ${error.stack ?? error}`);
    continue;
  }
  result.measured_at = `${new Date().toISOString()}, load average at its start ${loadavg} on ${machine.nproc} CPUs`;
  result.machine = machine;
  log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  console.log(`\n${section(result)}`);
  stored.results[id] = result;
}
if (QUICK) {
  log('\nBENCH_QUICK=1: a smoke run; bench/RESULTS.md and bench/results.json left as they were');
} else {
  stored.machine = machine;
  writeFileSync(jsonFile, `${JSON.stringify(stored, null, 2)}\n`);
  writeResultsMd(here('./RESULTS.md'), machine, ORDER.filter((id) => stored.results[id]).map((id) => stored.results[id]));
  log(`\nwrote bench/RESULTS.md and bench/results.json`);
}
process.exitCode = failed ? 1 : 0;
