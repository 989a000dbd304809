import type { Knex } from 'knex';
import { isFinalDiskStatus, isKnownDiskStatus, type JobAnomaly, type PerformanceMetrics } from '@backup-telemetry/contract';
import { findAnomalies, type AnomalyThresholds } from '../insight/anomalies.js';
import type { PastJob } from '../insight/baseline.js';
import { pastJobOf } from '../store/insight.js';
import { RollupState, type Sample } from '../rollup/rollup.js';
import { sumBytes } from './apply.js';
import type { TelemetryMetrics } from '../metrics.js';
import type { Store } from '../store/index.js';
import { startOf, type DiskRow, type JobRow } from '../store/rows.js';

/**
 * The one end-of-job computation, used by client updates and the stale detector alike: bytes become
 * the sum over the disks (once they reported any), `completed_at` is set, and the job's stored
 * snapshots are rolled up into `performance_metrics`. `rolling` holds the job's samples so far (its
 * stored snapshots, in time order, then any of this batch's); the final state is added to it.
 * Mutates `job`, `disks` and `rolling`; the caller deletes the snapshots in the transaction that
 * writes the ended job.
 */
export function endJob(job: JobRow, disks: DiskRow[], rolling: RollupState, nowMs: number): PerformanceMetrics {
  // The disks are the truth once they reported progress; a client reporting only job totals keeps its own.
  const diskBytes = sumBytes(disks.map((d) => d.bytes_transferred));
  if (diskBytes > 0) job.bytes_transferred = diskBytes;
  job.completed_at = job.completed_at ?? nowMs;
  if (job.status === 'completed') {
    job.progress_percent = 100;
    job.eta_seconds = 0;
  }
  for (const disk of disks) {
    // A disk still at work in a known status ends with its job; an unknown token (the client's own
    // word, whose meaning the hub cannot tell) is kept as reported.
    if (isKnownDiskStatus(disk.status) && !isFinalDiskStatus(disk.status)) disk.status = job.status;
    if (job.status === 'completed') disk.progress_percent = 100;
  }
  const final: Sample = {
    timestamp: job.completed_at,
    bytes_transferred: job.bytes_transferred,
    transfer_speed_bps: job.transfer_speed_bps,
    progress_percent: job.progress_percent,
    current_phase: job.current_phase,
  };
  rolling.add(final);
  const rolled = rolling.metrics({ completedAtMs: job.completed_at, bytesTransferred: job.bytes_transferred });
  job.performance_metrics = rolled;
  job.transfer_speed_bps = 0;
  job.snapshot_count = 0;
  return rolled;
}

/**
 * Judges an ended job against its VM's last completed jobs of the same job and backup type
 * (insight/): sets `job.anomalies` to what was found, [] for nothing (the commit stores only a
 * non-empty list). Only a completed job is judged, so the stale detector's failures (and any failed
 * or cancelled end) read no history. Called in the transaction that writes the end, after `endJob`.
 */
export function judgeJob(job: JobRow, history: readonly PastJob[], thresholds: AnomalyThresholds): JobAnomaly[] {
  if (job.status !== 'completed') return [];
  job.anomalies = findAnomalies(pastJobOf(job), history, thresholds);
  return job.anomalies;
}

/**
 * `endJob` inside a knex transaction: reads the job's snapshots, rolls them up and deletes them, so
 * the job ends, rolled up and without snapshots, in the one commit (the stale detector's path).
 */
export async function finishJob(
  store: Store, trx: Knex.Transaction, job: JobRow, disks: DiskRow[], nowMs: number, maxChartPoints: number, metrics?: TelemetryMetrics,
): Promise<PerformanceMetrics> {
  const started = performance.now();
  const stored = await store.snapshots.ofJob(trx, job.id);
  const rolling = new RollupState(startOf(job), maxChartPoints).addAll(stored);
  const rolled = endJob(job, disks, rolling, nowMs);
  if (stored.length) await store.snapshots.deleteOfJob(trx, job.id);
  metrics?.rolledUp((performance.now() - started) / 1000);
  return rolled;
}
