import { bpsToMibps, type ChartPoint, type PerformanceMetrics, type PhaseSpan } from '@backup-telemetry/contract';
import { StageBusyAverage, stageBusyFromDb } from '../insight/bottleneck.js';
import { MinMaxBuckets, type BucketSample } from './buckets.js';

/** One stored sample of a running job. Timestamps are epoch ms. */
export interface Sample {
  timestamp: number;
  bytes_transferred: number;
  transfer_speed_bps: number;
  progress_percent: number;
  current_phase: string | null;
  /** Stage busy percents as a snapshot stores them (`"s,p,n,t"`, migration 011); absent or null: not reported. */
  stage_busy?: string | null;
}

const MAX_PHASE_SPANS = 100;

const round1 = (v: number) => Math.round(v * 10) / 10;

/** A chart point: seconds rounded to 0.1, speed in whole bytes per second, percent to 0.1. */
const point = (t: number, bps: number, percent: number, phase: string, busy?: ChartPoint['b']): ChartPoint => {
  const out: ChartPoint = { t: round1(t), s: Math.round(bps), p: round1(percent), phase };
  if (busy) out.b = busy;
  return out;
};

/** One chart point of a sample, `t` in seconds since `startedAtMs`. */
export function toChartPoint(sample: Sample, startedAtMs: number): ChartPoint {
  return point(Math.max(0, (sample.timestamp - startedAtMs) / 1000), sample.transfer_speed_bps, sample.progress_percent, sample.current_phase ?? '', stageBusyFromDb(sample.stage_busy));
}

/**
 * Chart points: every sample while they fit in `maxPoints`; past that, min/max buckets (the first
 * and last sample, and each bucket's slowest and fastest, true peak included), each with its phase.
 */
class Chart {
  private readonly buckets: MinMaxBuckets;
  /** Every sample so far, until there are more than fit on the chart. */
  private all: BucketSample[] | null = [];
  private first: BucketSample | null = null;
  private last: BucketSample | null = null;

  constructor(private readonly startedAtMs: number, private readonly maxPoints: number) {
    this.buckets = new MinMaxBuckets(Math.max(1, Math.floor((maxPoints - 2) / 2)));
  }

  add(i: number, sample: Sample): void {
    const point: BucketSample = {
      i, t: Math.max(0, (sample.timestamp - this.startedAtMs) / 1000), s: sample.transfer_speed_bps, p: sample.progress_percent, phase: sample.current_phase,
    };
    const busy = stageBusyFromDb(sample.stage_busy);
    if (busy) point.b = busy;
    this.first ??= point;
    this.last = point;
    this.buckets.add(point);
    if (this.all) {
      this.all.push(point);
      if (this.all.length > this.maxPoints) this.all = null;
    }
  }

  points(): ChartPoint[] {
    if (!this.first || !this.last) return [];
    let kept = this.all ? [...this.all] : this.buckets.samples();
    if (kept[0] !== this.first) kept.unshift(this.first);
    if (kept[kept.length - 1] !== this.last) kept.push(this.last);
    if (kept.length > this.maxPoints) {
      // Only with the smallest sizes (maxPoints 3): first, fastest, last.
      const peak = kept.reduce((a, b) => (b.s > a.s ? b : a));
      kept = [...new Set([this.first, peak, this.last])].slice(0, this.maxPoints).sort((a, b) => a.i - b.i);
    }
    // Every point names its phase, filled forward across samples that named none.
    let phase = '';
    return kept.map((k) => point(k.t, k.s, k.p, (phase = k.phase ?? phase), k.b));
  }
}

/** Chart points for samples in time order, `t` in seconds since `startedAtMs`, at most `maxPoints`. */
export function chartPoints(samples: readonly Sample[], startedAtMs: number, maxPoints: number): ChartPoint[] {
  const chart = new Chart(startedAtMs, maxPoints);
  samples.forEach((s, i) => chart.add(i, s));
  return chart.points();
}

interface OpenSpan {
  phase: string;
  start_t: number;
  end_t: number | null;
}

export interface RollupEnd {
  completedAtMs: number;
  /** Bytes the job moved in all (sum over its disks when it has disks). */
  bytesTransferred: number;
}

/**
 * A job's rollup, built one sample at a time in time order: peak and slowest speed, the time spent
 * moving bytes, the phase spans and the chart. It holds a bounded amount whatever the job's length,
 * so the hub can keep it up to date while the job runs and end the job without reading its
 * snapshots back. Feeding the same samples gives the same metrics, however they were fed.
 */
export class RollupState {
  /** Samples fed so far. */
  count = 0;
  private peak = 0;
  private min = Infinity;
  private movingMs = 0;
  private prevTimestamp: number;
  private prevBytes = 0;
  private readonly spans: OpenSpan[] = [];
  private spansFull = false;
  private readonly chart: Chart;
  private readonly busy = new StageBusyAverage();

  constructor(readonly startedAtMs: number, readonly maxChartPoints: number) {
    this.prevTimestamp = startedAtMs;
    this.chart = new Chart(startedAtMs, maxChartPoints);
  }

  add(sample: Sample): void {
    const speed = sample.transfer_speed_bps;
    if (speed > this.peak) this.peak = speed;
    if (speed > 0 && speed < this.min) this.min = speed;
    // Seconds during which bytes moved: intervals between samples whose byte count grew.
    if (sample.bytes_transferred > this.prevBytes) this.movingMs += Math.max(0, sample.timestamp - this.prevTimestamp);
    this.prevTimestamp = sample.timestamp;
    this.prevBytes = Math.max(this.prevBytes, sample.bytes_transferred);
    this.addPhase(sample);
    this.busy.add(stageBusyFromDb(sample.stage_busy));
    this.chart.add(this.count, sample);
    this.count++;
  }

  /** Feeds samples in time order; returns the state. */
  addAll(samples: readonly Sample[]): this {
    for (const s of samples) this.add(s);
    return this;
  }

  /** The chart of the samples so far (a running job's live chart); the state is not changed. */
  chartPoints(): ChartPoint[] {
    return this.chart.points();
  }

  /** The metrics of the job as ended; the state is not changed. */
  metrics(end: RollupEnd): PerformanceMetrics {
    const duration = Math.max(0, (end.completedAtMs - this.startedAtMs) / 1000);
    const moving = this.movingMs / 1000;
    const transfer = moving > 0 ? moving : duration;
    const avg = transfer > 0 ? end.bytesTransferred / transfer : 0;
    // Sampled speeds are the client's spot estimates; the byte-based average is exact. A peak below
    // the average only means the samples missed the fastest stretch.
    const peak = Math.max(this.peak, avg);
    const out: PerformanceMetrics = {
      duration_seconds: round1(duration),
      transfer_seconds: round1(transfer),
      snapshots_recorded: this.count,
      peak_speed_bps: Math.round(peak),
      avg_speed_bps: Math.round(avg),
      min_speed_bps: Number.isFinite(this.min) ? Math.round(this.min) : 0,
      peak_speed_mbps: bpsToMibps(peak),
      avg_speed_mbps: bpsToMibps(avg),
      bytes_transferred: end.bytesTransferred,
      chart_data: this.chart.points(),
      phases: this.spans.map((s) => ({ phase: s.phase, start_t: s.start_t, end_t: s.end_t ?? round1(duration) })),
    };
    const bottleneck = this.busy.result();
    if (bottleneck) out.bottleneck = bottleneck;
    return out;
  }

  private addPhase(sample: Sample): void {
    if (sample.current_phase === null || this.spansFull) return;
    const last = this.spans[this.spans.length - 1];
    if (last && last.phase === sample.current_phase) return;
    const t = round1(Math.max(0, (sample.timestamp - this.startedAtMs) / 1000));
    if (last) last.end_t = t;
    if (this.spans.length === MAX_PHASE_SPANS) {
      this.spansFull = true;
      return;
    }
    this.spans.push({ phase: sample.current_phase, start_t: t, end_t: null });
  }
}

export interface RollupInput extends RollupEnd {
  /** Samples in time order, including the job's final state. */
  samples: readonly Sample[];
  startedAtMs: number;
  maxChartPoints: number;
}

/**
 * Rolls a finished job's samples up into compact performance metrics. The average speed is bytes
 * moved over the time spent moving them, not the mean of samples; the chart keeps the true peak.
 */
export function rollup(input: RollupInput): PerformanceMetrics {
  return new RollupState(input.startedAtMs, input.maxChartPoints).addAll(input.samples).metrics(input);
}
