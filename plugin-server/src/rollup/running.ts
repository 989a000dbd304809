import type { ChartPoint } from '@backup-telemetry/contract';
import { startOf, type JobRow, type SnapshotRow } from '../store/rows.js';
import { RollupState } from './rollup.js';

/** Running jobs whose rollup one hub instance keeps at most (≈ 25 KB each for a 24-hour job, measured: ≈ 50 MB in all). */
export const RUNNING_ROLLUPS_CAPACITY = 2000;

/**
 * The rollups of the running jobs whose snapshots this hub instance stored, kept up to date after
 * each commit, so that ending a job rolls up from memory instead of reading its snapshots back.
 *
 * Memory is only a shortcut, never the truth: a rollup is used at a job's end only when it holds
 * exactly as many samples as the job's row says were stored (`snapshot_count`, written in the same
 * transactions as the snapshots). If another instance stored some of the job's snapshots, a commit's
 * outcome was unknown, the hub restarted, or the rollup was evicted (least recently fed first, past
 * `capacity` jobs), the counts differ or the rollup is missing and the end reads the snapshots.
 */
export class RunningRollups {
  private readonly byJob = new Map<string, RollupState>();

  constructor(private readonly maxChartPoints: number, private readonly capacity = RUNNING_ROLLUPS_CAPACITY) {}

  get size(): number {
    return this.byJob.size;
  }

  /**
   * After a commit that stored `added` (in time order) for `job`, whose row now counts
   * `job.snapshot_count` snapshots: feeds them to the job's rollup, starting one for a job whose
   * first snapshots these are, and dropping one that no longer matches the stored rows.
   */
  recordStored(job: JobRow, added: readonly SnapshotRow[]): void {
    if (added.length === 0) return;
    const stored = job.snapshot_count;
    const startedAtMs = startOf(job);
    let state = this.byJob.get(job.id);
    this.byJob.delete(job.id);
    if (stored === null) return;
    if (state && (state.count + added.length !== stored || state.startedAtMs !== startedAtMs)) state = undefined;
    if (!state) {
      if (stored !== added.length) return;
      state = new RollupState(startedAtMs, this.maxChartPoints);
    }
    state.addAll(added);
    this.byJob.set(job.id, state);
    if (this.byJob.size > this.capacity) this.byJob.delete(this.byJob.keys().next().value!);
  }

  /**
   * Removes and returns the job's rollup if it holds exactly the `storedCount` snapshots stored for
   * the job (and was started at the job's start), else null: the caller reads the snapshots.
   */
  take(job: JobRow, storedCount: number | null): RollupState | null {
    const state = this.byJob.get(job.id);
    this.byJob.delete(job.id);
    if (!state || storedCount === null) return null;
    return state.count === storedCount && state.startedAtMs === startOf(job) ? state : null;
  }

  /**
   * The live chart of a running job from its kept rollup, if that holds exactly the snapshots its
   * row counts (as `take` decides), else null. Leaves the rollup and its place in the eviction order.
   */
  chartOf(job: JobRow): ChartPoint[] | null {
    const state = this.byJob.get(job.id);
    if (!state || job.snapshot_count === null || state.count !== job.snapshot_count || state.startedAtMs !== startOf(job)) return null;
    return state.chartPoints();
  }

  /** Drops the job's rollup (the job ended elsewhere). */
  forget(jobId: string): void {
    this.byJob.delete(jobId);
  }
}
