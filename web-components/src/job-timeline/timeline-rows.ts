import type { BackupJob, JobStatus } from '@backup-telemetry/contract';

/** How a bar is drawn and named (a running job's bar extends to now). */
export type Outcome = JobStatus;

/** One bar on one day's row: hours of the viewer's local day, 0–24. A job that crosses midnight gets one per day. */
export interface TimelineBar {
  job: BackupJob;
  /** Index into `days`, oldest first. */
  day: number;
  start_hour: number;
  end_hour: number;
  outcome: Outcome;
  /** True on the part of a job that continues on the next day's row. */
  continues: boolean;
}

export interface Timeline {
  /** Local calendar days `YYYY-MM-DD`, oldest first, every day from the first job's to the last (or today). */
  days: string[];
  bars: TimelineBar[];
  /** Jobs drawn (started, or running). */
  jobs: BackupJob[];
}

const pad = (n: number) => String(n).padStart(2, '0');
const localDay = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
const midnight = (ms: number) => {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
};
/** Local wall-clock time of day in hours (14:30 → 14.5). */
const clockHours = (ms: number) => {
  const d = new Date(ms);
  return d.getHours() + d.getMinutes() / 60 + d.getSeconds() / 3600;
};
/** The next local midnight (DST days are 23 or 25 hours long). */
const nextMidnight = (ms: number) => {
  const d = new Date(midnight(ms));
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
};

/** When a job ran, in epoch ms: start → end, a running job up to `now_ms`. Null for a job that never started. */
export function jobSpan(job: BackupJob, now_ms: number): { start_ms: number; end_ms: number } | null {
  if (!job.started_at) return null;
  const start_ms = Date.parse(job.started_at);
  if (!Number.isFinite(start_ms)) return null;
  let end_ms = job.completed_at ? Date.parse(job.completed_at) : NaN;
  if (!Number.isFinite(end_ms)) end_ms = job.status === 'running' ? now_ms : start_ms + Math.max(0, job.duration_seconds) * 1000;
  return { start_ms, end_ms: Math.max(start_ms, end_ms) };
}

/**
 * The backup window at a glance: one row per local day (y), the hours of that day (x), a bar per job
 * from its start to its end. Only jobs that started since `since_ms` are drawn.
 */
export function timeline(jobs: readonly BackupJob[], now_ms: number, since_ms = -Infinity): Timeline {
  const spans = jobs
    .map((job) => ({ job, span: jobSpan(job, now_ms) }))
    .filter((x): x is { job: BackupJob; span: { start_ms: number; end_ms: number } } => x.span !== null && x.span.start_ms >= since_ms)
    .sort((a, b) => a.span.start_ms - b.span.start_ms);
  if (spans.length === 0) return { days: [], bars: [], jobs: [] };
  const last = Math.max(...spans.map((s) => s.span.end_ms));
  const days: string[] = [];
  for (let t = midnight(spans[0].span.start_ms); t <= last; t = nextMidnight(t)) days.push(localDay(t));
  const index = new Map(days.map((d, i) => [d, i]));
  const bars: TimelineBar[] = [];
  for (const { job, span } of spans) {
    const outcome = job.status as Outcome;
    for (let from = span.start_ms; ; ) {
      const dayEnd = nextMidnight(from);
      const to = Math.min(span.end_ms, dayEnd);
      const hour = (ms: number) => (ms >= dayEnd ? 24 : clockHours(ms));
      bars.push({ job, day: index.get(localDay(from))!, start_hour: hour(from), end_hour: hour(to), outcome, continues: span.end_ms > dayEnd });
      if (span.end_ms <= dayEnd) break;
      from = dayEnd;
    }
  }
  return { days, bars, jobs: spans.map((s) => s.job) };
}
