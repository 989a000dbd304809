import type { ChartPoint, PhaseSpan } from '@backup-telemetry/contract';

/** Phase spans implied by points whose `phase` is set on the first point and on every change. */
export function phasesFromPoints(points: readonly ChartPoint[]): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  for (const point of points) {
    const last = spans[spans.length - 1];
    if (point.phase !== undefined && point.phase !== last?.phase) {
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

/** Peak / average speed and elapsed time from chart points (used while a job runs). */
export function summarizePoints(points: readonly ChartPoint[]): SpeedSummary {
  if (points.length === 0) return { peak_mibps: null, avg_mibps: null, duration_seconds: null };
  let peak = 0;
  let sum = 0;
  for (const p of points) {
    if (p.s > peak) peak = p.s;
    sum += p.s;
  }
  return { peak_mibps: peak, avg_mibps: sum / points.length, duration_seconds: points[points.length - 1].t };
}

const csvCell = (value: unknown) => {
  const text = String(value ?? '');
  // Defuse spreadsheet formulas in untrusted text (phase names), and quote per RFC 4180 any field
  // with a separator of either locale (`,` or `;`), a quote or a line break.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",;\n\r]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Chart points as CSV: seconds since start, speed in MiB/s, progress percent, phase. */
export function pointsToCsv(points: readonly ChartPoint[], phases: readonly PhaseSpan[] = phasesFromPoints(points)): string {
  const rows = ['t_seconds,speed_mibps,progress_percent,phase'];
  for (const p of points) rows.push([p.t, p.s, p.p, csvCell(p.phase ?? phaseAt(phases, p.t) ?? '')].join(','));
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
