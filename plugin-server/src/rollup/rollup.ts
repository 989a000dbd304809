import { bpsToMibps, type ChartPoint, type PerformanceMetrics, type PhaseSpan } from '@backup-telemetry/contract';
import { downsampleIndices } from './downsample.js';

/** One stored sample of a running job. Timestamps are epoch ms. */
export interface Sample {
  timestamp: number;
  bytes_transferred: number;
  transfer_speed_bps: number;
  progress_percent: number;
  current_phase: string | null;
}

const MAX_PHASE_SPANS = 100;

const round1 = (v: number) => Math.round(v * 10) / 10;

/** One chart point of a sample, `t` in seconds since `startedAtMs`. */
export function toChartPoint(sample: Sample, startedAtMs: number): ChartPoint {
  const point: ChartPoint = { t: round1(Math.max(0, (sample.timestamp - startedAtMs) / 1000)), s: bpsToMibps(sample.transfer_speed_bps), p: round1(sample.progress_percent) };
  if (sample.current_phase !== null) point.phase = sample.current_phase;
  return point;
}

/** Chart points for samples, `t` in seconds since `startedAtMs`; phase only where it changes. */
export function chartPoints(samples: readonly Sample[], startedAtMs: number, maxPoints: number): ChartPoint[] {
  const t = samples.map((s) => Math.max(0, (s.timestamp - startedAtMs) / 1000));
  const speed = samples.map((s) => s.transfer_speed_bps);
  let lastPhase: string | null | undefined;
  return downsampleIndices(t, speed, maxPoints).map((i) => {
    const s = samples[i]!;
    const point = toChartPoint(s, startedAtMs);
    if (s.current_phase === lastPhase) delete point.phase;
    lastPhase = s.current_phase;
    return point;
  });
}

function phaseSpans(samples: readonly Sample[], startedAtMs: number, endT: number): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  for (const s of samples) {
    if (s.current_phase === null) continue;
    const t = round1(Math.max(0, (s.timestamp - startedAtMs) / 1000));
    const last = spans[spans.length - 1];
    if (last && last.phase === s.current_phase) continue;
    if (last) last.end_t = t;
    if (spans.length === MAX_PHASE_SPANS) break;
    spans.push({ phase: s.current_phase, start_t: t, end_t: endT });
  }
  return spans;
}

/** Seconds during which bytes moved: intervals between samples whose byte count grew. */
function transferSeconds(samples: readonly Sample[], startedAtMs: number): number {
  let ms = 0;
  let prevT = startedAtMs;
  let prevBytes = 0;
  for (const s of samples) {
    if (s.bytes_transferred > prevBytes) ms += Math.max(0, s.timestamp - prevT);
    prevT = s.timestamp;
    prevBytes = Math.max(prevBytes, s.bytes_transferred);
  }
  return ms / 1000;
}

export interface RollupInput {
  /** Samples in time order, including the job's final state. */
  samples: readonly Sample[];
  startedAtMs: number;
  completedAtMs: number;
  /** Bytes the job moved in all (sum over its disks when it has disks). */
  bytesTransferred: number;
  maxChartPoints: number;
}

/**
 * Rolls a finished job's samples up into compact performance metrics. The average speed is bytes
 * moved over the time spent moving them, not the mean of samples; the chart keeps the true peak.
 */
export function rollup(input: RollupInput): PerformanceMetrics {
  const { samples, startedAtMs, completedAtMs, bytesTransferred } = input;
  const duration = Math.max(0, (completedAtMs - startedAtMs) / 1000);
  let peak = 0;
  let min = Infinity;
  for (const s of samples) {
    if (s.transfer_speed_bps > peak) peak = s.transfer_speed_bps;
    if (s.transfer_speed_bps > 0 && s.transfer_speed_bps < min) min = s.transfer_speed_bps;
  }
  const moving = transferSeconds(samples, startedAtMs);
  const transfer = moving > 0 ? moving : duration;
  const avg = transfer > 0 ? bytesTransferred / transfer : 0;
  // Sampled speeds are the client's spot estimates; the byte-based average is exact. A peak below
  // the average only means the samples missed the fastest stretch.
  peak = Math.max(peak, avg);
  return {
    duration_seconds: round1(duration),
    transfer_seconds: round1(transfer),
    snapshots_recorded: samples.length,
    peak_speed_bps: Math.round(peak),
    avg_speed_bps: Math.round(avg),
    min_speed_bps: Number.isFinite(min) ? Math.round(min) : 0,
    peak_speed_mbps: bpsToMibps(peak),
    avg_speed_mbps: bpsToMibps(avg),
    bytes_transferred: bytesTransferred,
    chart_data: chartPoints(samples, startedAtMs, input.maxChartPoints),
    phases: phaseSpans(samples, startedAtMs, round1(duration)),
  };
}
