import { BOTTLENECK_STAGES, type BackupType, type BottleneckStage, type DiskStatus } from '@backup-telemetry/contract';
import { bytesToRead, type VmProfile } from './fleet.js';

/** The pure maths of a simulated backup job: plans, speed curves, and stepping a job through time. */

const MiB = 1024 * 1024;

export type Rng = () => number;

/** A small seeded PRNG (mulberry32): the same seed gives the same fleet run. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

export const PHASES = ['snapshot', 'transferring', 'finalizing'] as const;
export type Phase = (typeof PHASES)[number];

export const FAILURE_MESSAGES = [
  'VSS snapshot creation timed out after 600 s (writer "SqlServerWriter" not responding)',
  'Repository out of space: 0 bytes free on /backup/repo-main',
  'Connection to the repository lost: read ECONNRESET',
  'Disk 1 read error at sector 0x3fa21c: I/O error',
  'Changed block tracking data is invalid; a full backup is required',
] as const;

/** Files a Windows VM's backup cannot read without VSS, as its warnings name them. */
export const LOCKED_FILES = ['C:\\pagefile.sys', 'C:\\Windows\\System32\\config\\SAM'] as const;

/**
 * The files a completing job could not read: on Windows VMs, one job in three (by its id, so the
 * simulator's random sequence is untouched) skips one or two locked files and so completes with warnings.
 */
export function lockedFilesOf(os: string, jobId: string): string[] {
  if (!os.startsWith('Windows')) return [];
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) hash = Math.imul(hash ^ jobId.charCodeAt(i), 0x01000193);
  const h = hash >>> 0;
  return h % 3 === 0 ? LOCKED_FILES.slice(0, 1 + ((h >>> 8) % 2)) : [];
}

export type Outcome =
  | { kind: 'complete' }
  /** The backup tool reports a failure with a message when progress reaches `at_percent`. */
  | { kind: 'fail'; at_percent: number; error: string }
  /** The backup client process dies silently at `at_percent`: only the hub's stale detector ends the job. */
  | { kind: 'die'; at_percent: number };

/** A dip in throughput (storage contention, a busy network link): speed × (1 − depth) for a while. */
export interface Dip {
  /** Start, in seconds since the transfer began. */
  at_seconds: number;
  length_seconds: number;
  /** 0–1: share of the speed lost at the bottom of the dip. */
  depth: number;
}

/** A sine wave over the transfer speed: speed × (1 + amplitude · sin(2π t / period + phase)). */
export interface Wave {
  amplitude: number;
  period_seconds: number;
  phase_radians: number;
}

export interface SpeedShape {
  /** Seconds from a slow start (20 %) to full speed. */
  ramp_seconds: number;
  waves: Wave[];
  dips: Dip[];
  /** Random jitter per step, as a share of the speed (± this much). */
  noise: number;
}

export interface JobPlan {
  vm: VmProfile;
  backup_type: BackupType;
  disks: { disk_index: number; total_bytes: number }[];
  total_bytes: number;
  outcome: Outcome;
  snapshot_seconds: number;
  /** Planned length of the transfer phase; the actual one varies a little with the curve. */
  transfer_seconds: number;
  finalizing_seconds: number;
  /** Bytes per second at factor 1 of the curve, chosen so the transfer lasts about `transfer_seconds`. */
  base_speed_bps: number;
  shape: SpeedShape;
}

/** The speed multiplier at `t` seconds into the transfer, before noise: ramp × waves × dips. Never below 0.02. */
export function speedFactor(shape: SpeedShape, t: number): number {
  const ramp = shape.ramp_seconds > 0 ? Math.min(1, 0.2 + (0.8 * Math.max(0, t)) / shape.ramp_seconds) : 1;
  const wave = shape.waves.reduce((f, w) => f * (1 + w.amplitude * Math.sin((2 * Math.PI * t) / w.period_seconds + w.phase_radians)), 1);
  const dip = shape.dips.reduce((f, d) => f * (1 - d.depth * dipEnvelope(d, t)), 1);
  return Math.max(0.02, ramp * wave * dip);
}

/** 0 outside the dip, rising to 1 and back along a half sine inside it. */
function dipEnvelope(d: Dip, t: number): number {
  const x = (t - d.at_seconds) / d.length_seconds;
  return x <= 0 || x >= 1 ? 0 : Math.sin(Math.PI * x);
}

/** Average of `speedFactor` over [0, seconds] (midpoint rule). */
export function meanFactor(shape: SpeedShape, seconds: number, steps = 400): number {
  if (seconds <= 0) return 1;
  const dt = seconds / steps;
  let sum = 0;
  for (let i = 0; i < steps; i += 1) sum += speedFactor(shape, (i + 0.5) * dt);
  return sum / steps;
}

export function randomShape(rng: Rng, transferSeconds: number): SpeedShape {
  const dips: Dip[] = [];
  const dipCount = rng() < 0.3 ? 2 : 1;
  for (let i = 0; i < dipCount; i += 1) {
    dips.push({
      at_seconds: transferSeconds * between(rng, 0.25, 0.75),
      length_seconds: transferSeconds * between(rng, 0.05, 0.12),
      depth: between(rng, 0.35, 0.7),
    });
  }
  return {
    ramp_seconds: transferSeconds * between(rng, 0.06, 0.12),
    waves: [
      { amplitude: between(rng, 0.06, 0.12), period_seconds: transferSeconds * between(rng, 0.3, 0.5), phase_radians: between(rng, 0, 2 * Math.PI) },
      { amplitude: between(rng, 0.03, 0.07), period_seconds: transferSeconds * between(rng, 0.05, 0.1), phase_radians: between(rng, 0, 2 * Math.PI) },
    ],
    dips,
    noise: 0.05,
  };
}

export interface PlanOptions {
  vm: VmProfile;
  backup_type: BackupType;
  outcome: Outcome;
  /**
   * How long the whole job should take in wall-clock seconds (`--duration`): the VM's real speed is
   * kept and the data read is scaled down to fit (never up). Ignored when `speedup` is given.
   */
  duration_seconds?: number;
  /** Fast-forward factor (`--speedup`): the VM's real speed × this. */
  speedup?: number;
}

/** Plans one job: what it reads, how long each phase lasts, and its speed curve. */
export function planJob(rng: Rng, options: PlanOptions): JobPlan {
  const { vm, backup_type } = options;
  const realDisks = vm.disks.map((d) => ({ disk_index: d.disk_index, total_bytes: Math.max(MiB, bytesToRead(d, backup_type)) }));
  const realTotal = realDisks.reduce((sum, d) => sum + d.total_bytes, 0);
  // Incrementals read scattered changed blocks: slower per byte than a full's sequential read.
  const realBps = vm.speed_mibps * MiB * (backup_type === 'full' ? 1 : 0.6) * between(rng, 0.85, 1.15);
  let disks = realDisks;
  let snapshot: number;
  let transfer: number;
  let finalizing: number;
  if (options.speedup !== undefined) {
    // Real sizes; time runs `speedup` times faster, so the reported speed is the real one × speedup.
    transfer = realTotal / realBps / options.speedup;
    snapshot = Math.max(1, between(rng, 20, 60) / options.speedup);
    finalizing = Math.max(1, between(rng, 10, 40) / options.speedup);
  } else {
    // Real speeds; the data read shrinks (same split over the disks) so the job fits the duration.
    const duration = Math.max(4, options.duration_seconds ?? 60);
    snapshot = Math.max(1, duration * between(rng, 0.04, 0.07));
    finalizing = Math.max(1, duration * between(rng, 0.03, 0.05));
    transfer = Math.max(1, duration - snapshot - finalizing);
    const scale = Math.min(1, (realBps * transfer) / realTotal);
    disks = realDisks.map((d) => ({ disk_index: d.disk_index, total_bytes: Math.max(MiB, Math.round(d.total_bytes * scale)) }));
  }
  const total = disks.reduce((sum, d) => sum + d.total_bytes, 0);
  const shape = randomShape(rng, transfer);
  return {
    vm,
    backup_type,
    disks,
    total_bytes: total,
    outcome: options.outcome,
    snapshot_seconds: snapshot,
    transfer_seconds: transfer,
    finalizing_seconds: finalizing,
    base_speed_bps: total / (transfer * meanFactor(shape, transfer)),
    shape,
  };
}

/** Outcomes for a run of `jobs`: `failures` fail with a message and `dying` clients die, the rest complete. */
export function assignOutcomes(rng: Rng, jobs: number, failures: number, dying: number): Outcome[] {
  const outcomes: Outcome[] = Array.from({ length: jobs }, () => ({ kind: 'complete' }));
  const slots = shuffle(rng, [...outcomes.keys()]);
  for (const i of slots.splice(0, Math.min(failures, jobs))) {
    outcomes[i] = { kind: 'fail', at_percent: Math.round(between(rng, 25, 80)), error: FAILURE_MESSAGES[Math.floor(rng() * FAILURE_MESSAGES.length)] };
  }
  for (const i of slots.splice(0, Math.min(dying, slots.length))) {
    outcomes[i] = { kind: 'die', at_percent: Math.round(between(rng, 35, 70)) };
  }
  return outcomes;
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

// ---- stepping a job through time ----------------------------------------------------------------

export interface DiskProgressState {
  disk_index: number;
  bytes_transferred: number;
  total_bytes: number;
  status: DiskStatus;
}

export interface JobState {
  /** Seconds since the job started. */
  elapsed_seconds: number;
  phase: Phase;
  /** When the current phase began (seconds since start). */
  phase_started_seconds: number;
  disks: DiskProgressState[];
  bytes_transferred: number;
  speed_bps: number;
  progress_percent: number;
  /** What happened at this step: still running, or the job's end as the plan decides it. */
  result: 'running' | 'completed' | 'failed' | 'died';
}

export function initialState(plan: JobPlan): JobState {
  return {
    elapsed_seconds: 0,
    phase: 'snapshot',
    phase_started_seconds: 0,
    disks: plan.disks.map((d) => ({ disk_index: d.disk_index, bytes_transferred: 0, total_bytes: d.total_bytes, status: 'pending' })),
    bytes_transferred: 0,
    speed_bps: 0,
    progress_percent: 0,
    result: 'running',
  };
}

/**
 * Advances a job by `dt` seconds. Disks transfer in parallel, sharing the speed equally, so a small disk
 * finishes first and the others speed up. `jitter` in [-1, 1] scales the curve's noise for this step.
 */
export function step(plan: JobPlan, state: JobState, dt: number, jitter = 0): JobState {
  if (state.result !== 'running') return state;
  const next: JobState = { ...state, elapsed_seconds: state.elapsed_seconds + dt, disks: state.disks.map((d) => ({ ...d })) };
  const inPhase = next.elapsed_seconds - state.phase_started_seconds;

  if (state.phase === 'snapshot') {
    if (inPhase >= plan.snapshot_seconds) enter(next, 'transferring');
    return next;
  }
  if (state.phase === 'finalizing') {
    next.speed_bps = 0;
    if (inPhase >= plan.finalizing_seconds) next.result = 'completed';
    return next;
  }

  const factor = speedFactor(plan.shape, inPhase) * (1 + plan.shape.noise * Math.max(-1, Math.min(1, jitter)));
  next.speed_bps = Math.round(plan.base_speed_bps * factor);
  let budget = next.speed_bps * dt;
  // Equal shares among unfinished disks; what a finishing disk does not need goes to the others.
  for (let open = next.disks.filter((d) => d.bytes_transferred < d.total_bytes); open.length && budget > 0.5; open = open.filter((d) => d.bytes_transferred < d.total_bytes)) {
    const share = budget / open.length;
    for (const d of open) {
      const moved = Math.min(share, d.total_bytes - d.bytes_transferred);
      d.bytes_transferred += moved;
      budget -= moved;
    }
  }
  for (const d of next.disks) {
    d.bytes_transferred = Math.min(d.total_bytes, Math.round(d.bytes_transferred));
    d.status = d.bytes_transferred >= d.total_bytes ? 'completed' : d.bytes_transferred > 0 ? 'running' : 'pending';
  }
  next.bytes_transferred = next.disks.reduce((sum, d) => sum + d.bytes_transferred, 0);
  next.progress_percent = plan.total_bytes > 0 ? Math.min(100, (next.bytes_transferred / plan.total_bytes) * 100) : 100;

  const { outcome } = plan;
  if (outcome.kind === 'fail' && next.progress_percent >= outcome.at_percent) next.result = 'failed';
  else if (outcome.kind === 'die' && next.progress_percent >= outcome.at_percent) next.result = 'died';
  else if (next.bytes_transferred >= plan.total_bytes) enter(next, 'finalizing');
  return next;
}

function enter(state: JobState, phase: Phase): void {
  state.phase = phase;
  state.phase_started_seconds = state.elapsed_seconds;
  if (phase !== 'transferring') state.speed_bps = 0;
}

// ---- where a transfer step's time went (stage busy percents) -------------------------------------

/** Below this storage speed a VM waits on its own disks; faster ones wait on the network to the repository. */
export const SOURCE_BOUND_BELOW_MIBPS = 170;

const USUAL_BUSY: Record<BottleneckStage, number> = { source: 0.3, proxy: 0.15, network: 0.4, target: 0.25 };

/**
 * Milliseconds each stage was busy during a transfer step of `dtSeconds` (for `reporter.stage()`):
 * the VM's bottleneck (its source below 170 MiB/s, else the network) 85 % of the time, the others
 * their usual share, each moved by up to ±5 points of `jitter` in [-1, 1]. Pure.
 */
export function stageTimes(vm: VmProfile, dtSeconds: number, jitter = 0): Record<BottleneckStage, number> {
  const bottleneck: BottleneckStage = vm.speed_mibps < SOURCE_BOUND_BELOW_MIBPS ? 'source' : 'network';
  const out = {} as Record<BottleneckStage, number>;
  for (const stage of BOTTLENECK_STAGES) {
    const busy = (stage === bottleneck ? 0.85 : USUAL_BUSY[stage]) + 0.05 * Math.max(-1, Math.min(1, jitter));
    out[stage] = Math.round(busy * dtSeconds * 1000);
  }
  return out;
}
