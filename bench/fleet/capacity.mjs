// CPU per ingested update, on the hub and on MariaDB, with the socket-ingest bench's own server and
// load generator (plugin.attach, acknowledged after commit; 100 updates in flight over 200 running
// jobs): /proc utime+stime of the hub process and of mariadbd before and after a fixed run, divided by
// the updates acknowledged. Then what that means for a fleet: VMs one core carries at one update per
// 5 s, and what 100,000 VMs need.
import { runChild, startChild } from '../lib/child.mjs';
import { cpuSeconds, mariadbPid } from '../lib/cpu.mjs';
import { dropPrefixed, rawKnex } from '../lib/db.mjs';
import { uniquePrefix } from '../lib/env.mjs';
import { jobIds } from '../lib/payload.mjs';
import { median } from '../lib/stats.mjs';

const SERVER = new URL('../socket-ingest/server.mjs', import.meta.url);
const CLIENT = new URL('../socket-ingest/client.mjs', import.meta.url);
const INFLIGHT = 100;
const JOBS = 200;
/** A running VM's client sends one update every this many seconds (the SDK's default cadence). */
export const UPDATE_INTERVAL_S = 5;

/** Measures µs of CPU per update on the hub and on MariaDB, `rounds` runs of `seconds`; medians. */
export async function measureCpuPerUpdate({ seconds, rounds, log }) {
  const prefix = uniquePrefix('fc');
  const ids = jobIds(prefix.slice(0, -1), JOBS);
  const mysqld = mariadbPid();
  const knex = rawKnex();
  const server = await startChild(SERVER, ['plugin', prefix, ids.join(',')], { timeoutMs: 60_000 });
  const runs = [];
  try {
    const drive = (s) => runChild(CLIENT, [String(server.ready.port), ids.join(','), String(s), String(INFLIGHT)], { runTimeoutMs: (s + 60) * 1000 });
    await drive(2); // warm-up
    for (let r = 0; r < rounds; r++) {
      const hub0 = cpuSeconds(server.ready.pid);
      const db0 = mysqld ? cpuSeconds(mysqld) : NaN;
      const result = await drive(seconds);
      const hubS = cpuSeconds(server.ready.pid) - hub0;
      const dbS = mysqld ? cpuSeconds(mysqld) - db0 : NaN;
      const run = { updates: result.acks, failed: result.failed, rate: result.rate, hub_us: (hubS / result.acks) * 1e6, db_us: (dbS / result.acks) * 1e6 };
      runs.push(run);
      log(`  capacity round ${r + 1}: ${result.acks} updates at ${Math.round(result.rate)}/s, hub ${run.hub_us.toFixed(0)} µs, MariaDB ${run.db_us.toFixed(0)} µs of CPU per update${result.failed ? `, ${result.failed} failed` : ''}`);
    }
  } finally {
    await server.stop();
    await dropPrefixed(knex, prefix);
    await knex.destroy();
  }
  return { runs, hub_us: median(runs.map((r) => r.hub_us)), db_us: median(runs.map((r) => r.db_us)), rate: median(runs.map((r) => r.rate)) };
}

/** Running VMs one core carries at one update per `UPDATE_INTERVAL_S`, given µs of CPU per update. */
export const vmsPerCore = (usPerUpdate) => (1e6 / usPerUpdate) * UPDATE_INTERVAL_S;

/**
 * What a fleet of `vms` needs when `concurrentShare` of its VMs run at once: cores on hubs and on the
 * database (at 70 % busy, the headroom a core is planned at), and database bytes per year.
 */
export function fleetNeeds({ vms, concurrentShare, hubUs, dbUs, bytesPerJob, jobsPerVmPerDay, summaryBytesPerVm }) {
  const running = vms * concurrentShare;
  const updatesPerSecond = running / UPDATE_INTERVAL_S;
  const planned = 0.7;
  return {
    running,
    updatesPerSecond,
    hubCores: (updatesPerSecond * hubUs) / 1e6 / planned,
    dbCores: (updatesPerSecond * dbUs) / 1e6 / planned,
    bytesPerYear: vms * jobsPerVmPerDay * 365 * bytesPerJob + vms * summaryBytesPerVm,
  };
}
