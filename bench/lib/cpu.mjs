// CPU seconds a process has used (Linux /proc), to say which process limits a bench: the Node
// server, the load generator, MariaDB or PostgreSQL.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS = 100; // CLK_TCK on Linux

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export function cpuSeconds(pid) {
  try {
    const fields = statFields(pid);
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
  } catch {
    return NaN;
  }
}

/**
 * PostgreSQL runs a process per connection: the CPU of every `postgres` process, plus what the
 * postmaster's exited children used (cutime + cstime), so that a backend ending mid-measure still counts.
 * A function for `withCpu`; null when no PostgreSQL runs here.
 */
export function postgresCpu() {
  const pids = () => {
    try { return execFileSync('pidof', ['postgres'], { encoding: 'utf8' }).trim().split(' ').map(Number); } catch { return []; }
  };
  if (pids().length === 0) return null;
  return () => {
    const all = pids();
    let total = 0;
    for (const pid of all) {
      try {
        const fields = statFields(pid);
        total += Number(fields[11]) + Number(fields[12]);
        // The postmaster (the one whose parent is not a postgres process): its reaped children's time.
        if (!all.includes(Number(fields[1]))) total += Number(fields[13]) + Number(fields[14]);
      } catch { /* exited meanwhile */ }
    }
    return total / TICKS;
  };
}

export function mariadbPid() {
  for (const name of ['mariadbd', 'mysqld']) {
    try { return Number(execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(' ')[0]); } catch { /* next */ }
  }
  return null;
}

const secondsOf = (source) => (typeof source === 'function' ? source() : source ? cpuSeconds(source) : NaN);

/** Measures `fn` and the CPU share (1.0 = one core) each named pid (or CPU-seconds function) used meanwhile. */
export async function withCpu(pids, fn) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, secondsOf(pid)]));
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (secondsOf(pid) - before[k]) / seconds]));
  return { result, cpu };
}
