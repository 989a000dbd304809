import { randomBytes } from 'node:crypto';
import { createReporter, registerJob, type Logger, type Reporter } from '@backup-telemetry/client';
import type { BottleneckStage } from '@backup-telemetry/contract';
import { machineInfo } from './fleet.js';
import { initialState, lockedFilesOf, stageTimes, step, type JobPlan, type JobState, type Rng } from './scenarios.js';

/** Drives one planned job through the client SDK against a real hub, in real time. */

export interface RunOptions {
  hubUrl: string;
  transport: 'socket' | 'http';
  token?: string;
  /** Wall-clock milliseconds between two simulation steps (each step calls `report()`). Default 500. */
  tickMs?: number;
  /**
   * Shifts the reporter's clock into the past (history backfill): the client stamps its updates this
   * many milliseconds before now. The hub orders updates by these stamps; see README on history.
   */
  clockOffsetMs?: number;
  /** The SDK's cadence interval. Default 5000 (the SDK default). */
  reportIntervalMs?: number;
  logger?: Logger;
  /** Once aborted, the running job ends as cancelled at its next step (a host shutting down its demo). */
  signal?: AbortSignal;
  /** Called after every step (progress display). */
  onStep?(plan: JobPlan, state: JobState, jobId: string): void;
}

export interface JobResult {
  job_id: string;
  vm_name: string;
  backup_type: string;
  /** How the job ended for the simulator: acknowledged end, or a client that died on purpose. */
  result: 'completed' | 'failed' | 'died' | 'cancelled' | 'error';
  bytes_transferred: number;
  total_bytes: number;
  seconds: number;
  transport?: string;
  error?: string;
}

export function newJobId(vmName: string, nowMs = Date.now()): string {
  return `sim-${vmName}-${nowMs.toString(36)}-${randomBytes(3).toString('hex')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runJob(plan: JobPlan, rng: Rng, options: RunOptions): Promise<JobResult> {
  const startedMs = Date.now();
  const offset = options.clockOffsetMs ?? 0;
  const jobId = newJobId(plan.vm.vm_name, startedMs - offset);
  const base = { job_id: jobId, vm_name: plan.vm.vm_name, backup_type: plan.backup_type, total_bytes: plan.total_bytes };
  try {
    await registerJob(options.hubUrl, {
      id: jobId,
      vm_name: plan.vm.vm_name,
      repository_id: plan.vm.repository_id,
      backup_type: plan.backup_type,
      disks: plan.disks,
      machine: machineInfo(plan.vm),
      // A backfilled job registers after the fact: it keeps the start (and timeline) of its own clock.
      ...(offset ? { started_at: startedMs - offset } : {}),
    }, { token: options.token });
  } catch (error) {
    return { ...base, result: 'error', bytes_transferred: 0, seconds: 0, error: `registration failed: ${(error as Error).message}` };
  }

  const reporter: Reporter = createReporter({
    hubUrl: options.hubUrl,
    token: options.token,
    jobType: 'backup',
    jobId,
    transport: options.transport,
    fallbackToHttp: false,
    intervalMs: options.reportIntervalMs,
    logger: options.logger,
    now: offset ? () => Date.now() - offset : undefined,
  });

  const tickMs = options.tickMs ?? 500;
  let state = initialState(plan);
  let lastMs = Date.now();
  const done = (result: JobResult['result'], extra: Partial<JobResult> = {}): JobResult => ({
    ...base, result, bytes_transferred: state.bytes_transferred, seconds: (Date.now() - startedMs) / 1000, ...extra,
  });

  try {
    reporter.log('info', `Backing up ${plan.disks.length} disk${plan.disks.length === 1 ? '' : 's'} of ${plan.vm.vm_name} to ${plan.vm.repository_id}`);
    reporter.report(progressOf(state));
    while (state.result === 'running') {
      await sleep(tickMs);
      if (options.signal?.aborted) {
        const end = await reporter.cancel(progressOf(state));
        return done('cancelled', { transport: end.transport });
      }
      const nowMs = Date.now();
      const jitter = rng() * 2 - 1;
      state = step(plan, state, (nowMs - lastMs) / 1000, jitter);
      // A step that ends in `transferring` spent its time moving data, so the report of the phase
      // change into it (always stored as a snapshot) already carries the stages.
      if (state.phase === 'transferring') {
        for (const [stage, ms] of Object.entries(stageTimes(plan.vm, (nowMs - lastMs) / 1000, jitter))) reporter.stage(stage as BottleneckStage, ms);
      }
      lastMs = nowMs;
      options.onStep?.(plan, state, jobId);
      if (state.result === 'running') reporter.report(progressOf(state));
    }
    if (state.result === 'completed') {
      const locked = lockedFilesOf(plan.vm.os, jobId);
      for (const file of locked) reporter.log('warning', `${file} is locked by another process; skipped`);
      const end = await reporter.complete({
        ...progressOf(state),
        ...(locked.length ? { warnings_count: locked.length } : {}),
        details: { compression_ratio: round(1.4 + rng(), 2), dedup_ratio: round(1.1 + rng() * 0.6, 2), restore_points: 1 },
      });
      return done('completed', { transport: end.transport });
    }
    if (state.result === 'failed') {
      const message = plan.outcome.kind === 'fail' ? plan.outcome.error : 'failed';
      const end = await reporter.fail(message, progressOf(state));
      return done('failed', { transport: end.transport, error: message });
    }
    // A client that dies: its last state reaches the hub, then silence; the stale detector ends the job.
    reporter.report(progressOf(state));
    return done('died');
  } catch (error) {
    return done('error', { error: (error as Error).message });
  } finally {
    await reporter.close({ timeoutMs: state.result === 'died' ? 1000 : 5000 });
  }
}

function progressOf(state: JobState) {
  return {
    current_phase: state.phase,
    transfer_speed_bps: state.speed_bps,
    disks: state.disks.map((d) => ({ disk_index: d.disk_index, bytes_transferred: d.bytes_transferred, total_bytes: d.total_bytes, status: d.status })),
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
