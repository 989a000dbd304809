import type { BackupType, ChartPoint, MachineInfo, PerformanceMetrics, ProtectionStatus } from '@backup-telemetry/contract';
import type { ImportJob } from '@backup-telemetry/plugin-server';
import { bytesToRead, machineInfo, vmAt, type VmProfile } from './fleet.js';
import { FAILURE_MESSAGES, type Rng } from './scenarios.js';

/**
 * A fleet with a past, planned as data (pure): N VMs with the history of their backups over a span,
 * each VM playing one role so that every protection state shows. The simulator's `--fleet` and the
 * example hub's living demo both write a plan with `fillFleet` (fleet-fill.ts).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MiB = 1024 * 1024;

/** What a VM's history shows, and so the protection status it has at the plan's `now`. */
export type FleetRole =
  /** Nightly successes (a rare failure long ago, recovered): protected. */
  | 'protected'
  /** Last night's backup succeeded, a later run today failed: warning. */
  | 'warning'
  /** Its last nights all failed with the same error: at_risk, with consecutive failures. */
  | 'failing'
  /** Its schedule stopped days ago, nothing since: at_risk. */
  | 'stopped'
  /** Declared with a policy hours ago, no backup yet: pending (a third of them declared days ago: at_risk). */
  | 'never'
  /** An RPO of 4 h, backed up every 2 h: protected. */
  | 'short_rpo'
  /** A lab VM without an RPO, backed up now and then: unmonitored. */
  | 'unmonitored';

/** Share of the fleet per role besides `protected` (at least one VM each); the rest is protected. */
export const ROLE_SHARES: Readonly<Record<Exclude<FleetRole, 'protected'>, number>> = {
  warning: 0.05, failing: 0.05, stopped: 0.04, never: 0.03, short_rpo: 0.02, unmonitored: 0.02,
};

/** More of what real backup tools report, next to the live simulator's messages. */
export const FLEET_FAILURE_MESSAGES: readonly string[] = [
  ...FAILURE_MESSAGES,
  'NBD connection reset by peer',
  'Guest quiescing failed: VMware Tools is not running',
  'Repository is locked by another job (repo-main, held since 22:04)',
  'vCenter authentication failed: session token expired',
  'Snapshot consolidation needed: datastore has less than 5 % free space',
];

export interface FleetPolicy {
  vm_name: string;
  /** null: not monitored. */
  rpo_hours: number | null;
  grace_minutes: number;
}

export interface FleetVm {
  vm: VmProfile;
  role: FleetRole;
  /** The VM's own policy; absent: the hub's default RPO applies. */
  policy?: FleetPolicy;
  /** A VM with no job, known from this time (its facts and policy were declared then). */
  declared_at?: number;
}

export interface FleetPlan {
  now_ms: number;
  vms: FleetVm[];
  /** Ended jobs, oldest first, ready for `plugin.importJobs`. */
  jobs: ImportJob[];
}

export interface FleetOptions {
  count: number;
  /** How far back the history reaches. */
  span_ms: number;
  now_ms: number;
  /** Part of every job id, so that plans of two seeds never collide and a re-run skips what it wrote. */
  seed: number;
}

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;

/** How many VMs of `count` play each role. */
export function roleCounts(count: number): Record<FleetRole, number> {
  const out = { protected: 0, warning: 0, failing: 0, stopped: 0, never: 0, short_rpo: 0, unmonitored: 0 } as Record<FleetRole, number>;
  let left = count;
  for (const [role, share] of Object.entries(ROLE_SHARES) as [FleetRole, number][]) {
    const n = Math.min(left, Math.max(1, Math.round(count * share)));
    out[role] = n;
    left -= n;
  }
  out.protected = left;
  return out;
}

/** The status a role's VM has at `nowMs` on a hub with the default policy (24 h RPO, 60 min grace), as long as no job runs since the plan. */
export function expectedStatus(vm: FleetVm, nowMs: number): ProtectionStatus {
  switch (vm.role) {
    case 'protected': case 'short_rpo': return 'protected';
    case 'warning': return 'warning';
    case 'failing': case 'stopped': return 'at_risk';
    case 'unmonitored': return 'unmonitored';
    case 'never': return nowMs - vm.declared_at! <= 25 * HOUR ? 'pending' : 'at_risk';
  }
}

/** The i-th VM of a large fleet: the lab's profiles, numbered, with sizes and speeds spread out. */
function fleetVm(rng: Rng, index: number): VmProfile {
  const base = vmAt(index);
  const scale = between(rng, 0.5, 2.5);
  return {
    ...base,
    disks: base.disks.map((d) => ({ ...d, size_bytes: Math.round(d.size_bytes * scale / MiB) * MiB })),
    speed_mibps: Math.round(base.speed_mibps * between(rng, 0.7, 1.3)),
  };
}

interface Run {
  start: number;
  type: BackupType;
  /** The error of a failed run; undefined: it succeeds. */
  error?: string;
  /** A failed run stops part-way, at this share of its bytes. */
  at?: number;
}

/** Jobs that ended this recently carry a compact speed chart (older ones keep only their totals, like most imports). */
export const CHART_WITHIN_MS = 2 * DAY;
const CHART_POINTS = 24;

/**
 * A rolled-up chart for a job of `seconds` that moved `bytes` of `total_bytes`: a short snapshot
 * phase, the transfer at a speed that ramps and waves around its average, then finalizing (a failed
 * job stops while transferring).
 */
export function compactChart(rng: Rng, seconds: number, bytes: number, total_bytes: number, failed: boolean): PerformanceMetrics {
  const snapshot = Math.min(60, seconds * 0.1);
  const finalizing = failed ? 0 : Math.min(45, seconds * 0.08);
  const transfer = Math.max(1, seconds - snapshot - finalizing);
  const avg = bytes / transfer;
  const wave = between(rng, 0, Math.PI * 2);
  const shape = Array.from({ length: CHART_POINTS }, (_, i) => Math.min(1, (i + 1) / 3) * (1 + 0.18 * Math.sin(wave + i / 2.5) + between(rng, -0.08, 0.08)));
  const scale = CHART_POINTS / shape.reduce((a, b) => a + b, 0);
  let moved = 0;
  const points: ChartPoint[] = [{ t: 0, s: 0, p: 0, phase: 'snapshot' }];
  shape.forEach((f, i) => {
    const speed = avg * f * scale;
    moved += speed * (transfer / CHART_POINTS);
    points.push({ t: Math.round(snapshot + ((i + 1) * transfer) / CHART_POINTS), s: Math.round(speed), p: Math.round(Math.min(100, (moved / Math.max(1, total_bytes)) * 100) * 10) / 10, phase: 'transferring' });
  });
  if (!failed) points.push({ t: Math.round(seconds), s: 0, p: 100, phase: 'finalizing' });
  const speeds = points.filter((p) => p.phase === 'transferring').map((p) => p.s);
  const phases = [
    { phase: 'snapshot', start_t: 0, end_t: Math.round(snapshot) },
    { phase: 'transferring', start_t: Math.round(snapshot), end_t: Math.round(snapshot + transfer) },
    ...(failed ? [] : [{ phase: 'finalizing', start_t: Math.round(snapshot + transfer), end_t: Math.round(seconds) }]),
  ];
  const mibps = (bps: number) => Math.round((bps / MiB) * 100) / 100;
  return {
    duration_seconds: Math.round(seconds), transfer_seconds: Math.round(transfer), snapshots_recorded: points.length,
    peak_speed_bps: Math.max(...speeds), avg_speed_bps: Math.round(avg), min_speed_bps: Math.min(...speeds),
    peak_speed_mbps: mibps(Math.max(...speeds)), avg_speed_mbps: mibps(avg), bytes_transferred: bytes,
    chart_data: points, phases,
  };
}

/**
 * `change`: the share of a day's changes an incremental reads (1 for nightly runs); `max_seconds`: the
 * longest a run lasts; `with_chart`: give it a compact chart.
 */
function toJob(vm: VmProfile, machine: MachineInfo, run: Run, id: string, rng: Rng, change: number, max_seconds: number, with_chart: boolean): ImportJob {
  const planned = vm.disks.reduce((sum, d) => sum + bytesToRead(d, run.type), 0) * (run.type === 'full' ? 1 : change * between(rng, 0.6, 1.4));
  const share = run.error === undefined ? 1 : run.at!;
  const bytes = Math.round(planned * share);
  // Transfer at the VM's speed, plus a few minutes of snapshot and finalizing.
  const seconds = Math.min(max_seconds, bytes / (vm.speed_mibps * MiB * between(rng, 0.75, 1.1)) + between(rng, 60, 300));
  const job: ImportJob = {
    id, vm_name: vm.vm_name, repository_id: vm.repository_id, backup_type: run.type,
    status: run.error === undefined ? 'completed' : 'failed',
    started_at: run.start, completed_at: run.start + Math.round(seconds * 1000),
    bytes_transferred: bytes, total_bytes: Math.round(planned), machine,
  };
  if (run.error !== undefined) job.error_message = run.error;
  if (with_chart) job.performance_metrics = compactChart(rng, seconds, bytes, job.total_bytes!, run.error !== undefined);
  return job;
}

/** How often a role's VM is backed up, how long before now its newest run started, and the longest a run lasts. */
function cadence(rng: Rng, role: FleetRole): { every: number; lag: number; max_seconds: number } {
  if (role === 'short_rpo') return { every: 2 * HOUR, lag: between(rng, 20 * MINUTE, 40 * MINUTE), max_seconds: 15 * 60 };
  // A warning VM's newest nightly run is at least 6 h old, leaving room for the failed run after it.
  const lag = role === 'warning' ? between(rng, 6 * HOUR, 20 * HOUR) : between(rng, 3.25 * HOUR, 20 * HOUR);
  return { every: role === 'unmonitored' ? 3 * DAY : DAY, lag, max_seconds: 3 * 3600 };
}

/**
 * The runs of one VM, newest first. Runs start `lag` before now, then `every` earlier each: the
 * newest ends before now (a run lasts at most `max_seconds`, less than the lag) and a nightly VM's
 * success is at most 21 h old, inside the default RPO of 24 h. A full on the oldest run and weekly.
 */
function runsOf(rng: Rng, role: FleetRole, opts: FleetOptions, every: number, lag: number): Run[] {
  const { now_ms: now, span_ms: span } = opts;
  const failedNights = role === 'failing' ? 2 + Math.floor(rng() * 4) : 0;
  const stoppedDays = role === 'stopped' ? 2 + Math.floor(rng() * 9) : 0;
  const failingError = pick(rng, FLEET_FAILURE_MESSAGES);
  const runs: Run[] = [];
  const count = Math.floor((span - lag) / every) + 1;
  for (let k = 0; k < count; k++) {
    const start = Math.round(now - lag - k * every + (k === 0 ? 0 : between(rng, -5, 5) * MINUTE));
    if (start < now - span) break;
    if (k < stoppedDays) continue;
    const oldest = k === count - 1;
    const type: BackupType = oldest || (every === DAY && k % 7 === 6) ? 'full' : 'incremental';
    const run: Run = { start, type };
    if (k < failedNights) Object.assign(run, { error: failingError, at: between(rng, 0.05, 0.8) });
    // Rare failures in the past, each followed by successes.
    else if (k > 1 && rng() < 0.04) Object.assign(run, { error: pick(rng, FLEET_FAILURE_MESSAGES), at: between(rng, 0.05, 0.9) });
    runs.push(run);
  }
  // A warning VM ran again after last night's success, and that run failed.
  if (role === 'warning' && runs.length) {
    const start = Math.round(now - between(rng, 20 * MINUTE, lag - 3.1 * HOUR));
    runs.unshift({ start, type: 'incremental', error: pick(rng, FLEET_FAILURE_MESSAGES), at: between(rng, 0.02, 0.1) });
  }
  return runs;
}

/** Plans a fleet of `count` VMs with their history. Deterministic: the same rng and options give the same plan. */
export function planFleet(rng: Rng, opts: FleetOptions): FleetPlan {
  const counts = roleCounts(opts.count);
  const roles = (Object.entries(counts) as [FleetRole, number][]).flatMap(([role, n]) => Array.from({ length: n }, () => role));
  for (let i = roles.length - 1; i > 0; i--) { // Fisher–Yates: roles spread over the names
    const j = Math.floor(rng() * (i + 1));
    [roles[i], roles[j]] = [roles[j]!, roles[i]!];
  }
  const vms: FleetVm[] = [];
  const jobs: ImportJob[] = [];
  let never = 0;
  roles.forEach((role, index) => {
    const vm = fleetVm(rng, index);
    const entry: FleetVm = { vm, role };
    if (role === 'short_rpo') entry.policy = { vm_name: vm.vm_name, rpo_hours: 4, grace_minutes: 30 };
    if (role === 'unmonitored') entry.policy = { vm_name: vm.vm_name, rpo_hours: null, grace_minutes: 60 };
    if (role === 'never') {
      entry.policy = { vm_name: vm.vm_name, rpo_hours: 24, grace_minutes: 60 };
      // Most were added today; every third was added days ago and never backed up since.
      entry.declared_at = Math.round(opts.now_ms - (never++ % 3 === 2 ? between(rng, 2 * DAY, 5 * DAY) : between(rng, 1 * HOUR, 12 * HOUR)));
    } else {
      const machine = machineInfo(vm);
      const { every, lag, max_seconds } = cadence(rng, role);
      runsOf(rng, role, opts, every, lag).forEach((run, k) => jobs.push(toJob(
        vm, machine, run, `f${opts.seed}-${vm.vm_name}-${k}`, rng, Math.min(1, every / DAY), max_seconds, run.start >= opts.now_ms - CHART_WITHIN_MS,
      )));
    }
    vms.push(entry);
  });
  jobs.sort((a, b) => a.started_at - b.started_at);
  return { now_ms: opts.now_ms, vms, jobs };
}
