import type { ChartPoint } from '@backup-telemetry/contract';
import { chartPoints } from '../rollup/rollup.js';
import type { RunningRollups } from '../rollup/running.js';
import type { Store } from '../store/index.js';
import { startOf, type JobRow } from '../store/rows.js';

/** Charts read from the snapshots kept at once (each one is ≈ 10 KB). */
const CACHED_CHARTS = 256;
/** How long a chart read for a job without a snapshot count (legacy rows) is reused. */
const LEGACY_REUSE_MS = 2000;

interface Read {
  count: number | null;
  at: number;
  chart: Promise<ChartPoint[]>;
}

/**
 * A running job's live chart, without letting viewers multiply reads of its snapshots (17,280 rows
 * for a 24-hour job). From the rollup this instance keeps while it stores the job's snapshots, when
 * that holds every stored snapshot; otherwise from one read of the snapshots shared by every viewer
 * asking at the same time, and reused while the job's row counts the same snapshots.
 */
export class LiveCharts {
  private readonly reads = new Map<string, Read>();

  constructor(
    private readonly store: Store,
    private readonly rollups: RunningRollups,
    private readonly maxChartPoints: number,
    private readonly now: () => number,
  ) {}

  async chartOf(job: JobRow): Promise<ChartPoint[]> {
    const kept = this.rollups.chartOf(job);
    if (kept) return kept;
    const cached = this.reads.get(job.id);
    if (cached && this.reusable(cached, job)) return cached.chart;
    const read: Read = { count: job.snapshot_count, at: this.now(), chart: this.read(job) };
    this.reads.delete(job.id);
    this.reads.set(job.id, read);
    if (this.reads.size > CACHED_CHARTS) this.reads.delete(this.reads.keys().next().value!);
    read.chart.catch(() => { if (this.reads.get(job.id) === read) this.reads.delete(job.id); });
    return read.chart;
  }

  private reusable(read: Read, job: JobRow): boolean {
    if (job.snapshot_count !== null) return read.count === job.snapshot_count;
    return this.now() - read.at < LEGACY_REUSE_MS;
  }

  private async read(job: JobRow): Promise<ChartPoint[]> {
    const snapshots = await this.store.snapshots.ofJob(this.store.knex, job.id);
    return chartPoints(snapshots, startOf(job), this.maxChartPoints);
  }
}
