// CPU seconds a process has used (Linux /proc), to say which process limits a bench: the Node
// server, the load generator, or MariaDB.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS = 100; // CLK_TCK on Linux

export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
  } catch {
    return NaN;
  }
}

export function mariadbPid() {
  for (const name of ['mariadbd', 'mysqld']) {
    try { return Number(execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(' ')[0]); } catch { /* next */ }
  }
  return null;
}

/** Measures `fn` and the CPU share (1.0 = one core) each named pid used meanwhile. */
export async function withCpu(pids, fn) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (cpuSeconds(pid) - before[k]) / seconds]));
  return { result, cpu };
}
