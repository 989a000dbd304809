import { bpsToMibps, formatDuration, type EarlyWarning } from '@backup-telemetry/contract';
import { factsOf, type PastJob } from './baseline.js';

/** A daily window a VM's backups must fit in: starting at `start` (HH:MM, the hub's local time is not assumed: it is only named), lasting `hours`. */
export interface BackupWindow {
  start: string;
  hours: number;
}

/** When trends of a VM's recent jobs become warnings (README, "Job insight"). */
export interface TrendThresholds {
  /** Fewest comparable completed jobs before a trend is drawn. */
  minJobs: number;
  /** Most recent completed jobs of one backup type a trend is drawn from. */
  trendJobs: number;
  /** Failed jobs in a row (newest first, cancelled ones skipped) that raise a warning; twice as many: critical. */
  failuresInRow: number;
  /** Warn when the duration trend reaches the backup window within this many days. */
  windowHorizonDays: number;
  /** Warn when the speed trend fell by at least this percent over the jobs it is drawn from. */
  speedDropPercent: number;
  /** A trend counts only when the line explains at least this share of the variance (r², 0–1). */
  minFit: number;
}

export const DEFAULT_TREND_THRESHOLDS: TrendThresholds = {
  minJobs: 5,
  trendJobs: 10,
  failuresInRow: 2,
  windowHorizonDays: 14,
  speedDropPercent: 30,
  minFit: 0.5,
};

const DAY_MS = 86_400_000;

/** Least-squares line y = a + b·x, with r² (1 when y does not vary at all along a fitted line). */
export interface Line {
  a: number;
  b: number;
  r2: number;
}

export function fitLine(points: readonly { x: number; y: number }[]): Line | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx === 0) return null;
  const b = sxy / sxx;
  return { a: my - b * mx, b, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Failed jobs in a row, newest first; cancelled jobs neither break nor extend the run. */
export function failuresInRow(endedNewestFirst: readonly PastJob[]): number {
  let n = 0;
  for (const job of endedNewestFirst) {
    if (job.status === 'cancelled') continue;
    if (job.status !== 'failed') break;
    n += 1;
  }
  return n;
}

function trendPoints(jobs: readonly PastJob[], y: (f: NonNullable<ReturnType<typeof factsOf>>) => number | null) {
  return jobs.flatMap((job) => {
    const f = factsOf(job);
    const value = f && y(f);
    return value === null || value === undefined ? [] : [{ x: job.started_at / DAY_MS, y: value }];
  });
}

/** "At this growth the 02:00 job overruns its 4 h window in about 9 days", from the durations of `jobs` (one backup type). */
export function windowOverrun(jobs: readonly PastJob[], backupType: string, window: BackupWindow, t: TrendThresholds): EarlyWarning | null {
  const points = trendPoints(jobs, (f) => f.duration_seconds);
  if (points.length < t.minJobs) return null;
  const line = fitLine(points);
  if (!line || line.b <= 0 || line.r2 < t.minFit) return null;
  const lastX = Math.max(...points.map((p) => p.x));
  const now_seconds = line.a + line.b * lastX;
  const window_seconds = window.hours * 3600;
  const numbers = {
    window_hours: window.hours,
    trend_duration_seconds: Math.round(now_seconds),
    growth_seconds_per_day: Math.round(line.b),
    jobs: points.length,
  };
  const job = `the ${window.start} ${backupType} job`;
  if (now_seconds >= window_seconds) {
    return { kind: 'window_overrun', severity: 'critical', backup_type: backupType, numbers: { ...numbers, days_left: 0 },
      message: `${job} already overruns its ${window.hours} h window (about ${formatDuration(now_seconds)}, growing ${formatDuration(line.b)} a day)` };
  }
  const days = (window_seconds - now_seconds) / line.b;
  if (days > t.windowHorizonDays) return null;
  const about = Math.max(1, Math.round(days));
  return { kind: 'window_overrun', severity: 'warning', backup_type: backupType, numbers: { ...numbers, days_left: round1(days) },
    message: `at this growth ${job} overruns its ${window.hours} h window in about ${plural(about, 'day')} (now about ${formatDuration(now_seconds)}, growing ${formatDuration(line.b)} a day)` };
}

/** Average speed falling over `jobs` (one backup type) by at least `speedDropPercent`. */
export function speedFalling(jobs: readonly PastJob[], backupType: string, t: TrendThresholds): EarlyWarning | null {
  const points = trendPoints(jobs, (f) => f.avg_speed_bps);
  if (points.length < t.minJobs) return null;
  const line = fitLine(points);
  if (!line || line.b >= 0 || line.r2 < t.minFit) return null;
  const xs = points.map((p) => p.x);
  const first = line.a + line.b * Math.min(...xs);
  const last = Math.max(0, line.a + line.b * Math.max(...xs));
  if (first <= 0) return null;
  const drop_percent = (1 - last / first) * 100;
  if (drop_percent < t.speedDropPercent) return null;
  return {
    kind: 'speed_falling', severity: 'warning', backup_type: backupType,
    numbers: { drop_percent: round1(drop_percent), from_bps: Math.round(first), to_bps: Math.round(last), jobs: points.length },
    message: `average speed fell ${Math.round(drop_percent)}% over the last ${points.length} ${backupType} jobs (${bpsToMibps(first)} → ${bpsToMibps(last)} MiB/s)`,
  };
}

/**
 * The early warnings of a VM from its recent ended jobs (any types, any order): failures in a row,
 * then per backup type the duration trend against the window (when the host set one) and the speed
 * trend. Nothing from too little data.
 */
export function earlyWarnings(ended: readonly PastJob[], window: BackupWindow | null, t: TrendThresholds = DEFAULT_TREND_THRESHOLDS): EarlyWarning[] {
  const newest = [...ended].filter((j) => j.completed_at !== null).sort((a, b) => b.completed_at! - a.completed_at!);
  const out: EarlyWarning[] = [];
  const failed = failuresInRow(newest);
  if (t.failuresInRow > 0 && failed >= t.failuresInRow) {
    out.push({ kind: 'failures_in_row', severity: failed >= 2 * t.failuresInRow ? 'critical' : 'warning', backup_type: null,
      numbers: { failures: failed }, message: `the last ${failed} jobs failed in a row` });
  }
  const types = [...new Set(newest.map((j) => j.backup_type))].sort();
  for (const type of types) {
    const jobs = newest.filter((j) => j.backup_type === type && j.status === 'completed').slice(0, t.trendJobs);
    const overrun = window ? windowOverrun(jobs, type, window, t) : null;
    if (overrun) out.push(overrun);
    const slower = speedFalling(jobs, type, t);
    if (slower) out.push(slower);
  }
  return out;
}
