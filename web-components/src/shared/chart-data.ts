import { BOTTLENECK_STAGES, type BottleneckStage, type ChartPoint, type JobBottleneck, type PhaseSpan, type StageBusy } from '@backup-telemetry/contract';
import { pointMibps } from './format.js';

/** Phase spans implied by the points' phases (on every point, or, from older hubs, only where it changed). */
export function phasesFromPoints(points: readonly ChartPoint[]): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  for (const point of points) {
    const last = spans[spans.length - 1];
    if (point.phase && point.phase !== last?.phase) {
      spans.push({ phase: point.phase, start_t: point.t, end_t: point.t });
    } else if (last) {
      last.end_t = point.t;
    }
  }
  return spans;
}

/** The phase a job was in at `t` seconds. */
export function phaseAt(phases: readonly PhaseSpan[], t: number): string | undefined {
  let found: string | undefined;
  for (const span of phases) if (span.start_t <= t) found = span.phase;
  return found;
}

export interface SpeedSummary {
  peak_mibps: number | null;
  avg_mibps: number | null;
  duration_seconds: number | null;
}

/** Peak / average speed in MiB/s and elapsed time from chart points (`s` in bytes/s; used while a job runs). */
export function summarizePoints(points: readonly ChartPoint[]): SpeedSummary {
  if (points.length === 0) return { peak_mibps: null, avg_mibps: null, duration_seconds: null };
  let peak = 0;
  let sum = 0;
  for (const p of points) {
    if (p.s > peak) peak = p.s;
    sum += p.s;
  }
  return { peak_mibps: pointMibps(peak), avg_mibps: pointMibps(sum / points.length), duration_seconds: points[points.length - 1].t };
}

const csvCell = (value: unknown) => {
  const text = String(value ?? '');
  // Defuse spreadsheet formulas in untrusted text (phase names), and quote per RFC 4180 any field
  // with a separator of either locale (`,` or `;`), a quote or a line break.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",;\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const mibps2 = (bps: number) => Math.round(pointMibps(bps) * 100) / 100;

/** Chart points as CSV for people: seconds since start, speed in MiB/s (2 decimals), progress percent, phase. */
export function pointsToCsv(points: readonly ChartPoint[], phases: readonly PhaseSpan[] = phasesFromPoints(points)): string {
  const rows = ['t_seconds,speed_mibps,progress_percent,phase'];
  for (const p of points) rows.push([p.t, mibps2(p.s), p.p, csvCell(p.phase || phaseAt(phases, p.t) || '')].join(','));
  return rows.join('\n') + '\n';
}

/** Starts a browser download of `content`. */
export function download(filename: string, content: Blob | string, type = 'text/plain'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * A running job's bottleneck so far, from its live points' stage busy percents (`b`), the way the hub
 * computes it at the end: the stage with the highest average. Null when no point carries them.
 */
export function bottleneckFromPoints(points: readonly ChartPoint[]): JobBottleneck | null {
  const busy = points.filter((p) => Array.isArray(p.b) && p.b.length === 4);
  if (busy.length === 0) return null;
  const average = (i: number) => Math.round((busy.reduce((sum, p) => sum + p.b![i]!, 0) / busy.length) * 10) / 10;
  const busy_percent = Object.fromEntries(BOTTLENECK_STAGES.map((s, i) => [s, average(i)])) as StageBusy;
  let stage: BottleneckStage = BOTTLENECK_STAGES[0];
  for (const s of BOTTLENECK_STAGES) if (busy_percent[s] > busy_percent[stage]) stage = s;
  return { stage, busy_percent, samples: busy.length };
}
