import type { BackupJob } from '@backup-telemetry/contract';

/** A week is a rolling 7 × 24 hours: "this week" ends now, "last week" is the 168 hours before it. */
export const WEEK_MS = 7 * 86_400_000;

/** What one week's backups did. Nulls where the week had nothing to average. */
export interface WeekFigures {
  /** Jobs created in the week, whatever their status. */
  jobs: number;
  completed: number;
  /** Completed, failed or cancelled. */
  ended: number;
  /** Completed over ended jobs, as the hub's stats compute it. */
  success_rate_percent: number | null;
  /** Bytes moved by every job of the week (a failed job's partial transfer too). */
  bytes_transferred: number;
  /** Mean duration of completed jobs. */
  avg_duration_seconds: number | null;
  /** Bytes over seconds of completed jobs. */
  avg_speed_bps: number | null;
}

export interface WeekSplit {
  current_from_ms: number;
  previous_from_ms: number;
  now_ms: number;
  current: WeekFigures;
  previous: WeekFigures;
}

function figures(jobs: readonly BackupJob[]): WeekFigures {
  const completed = jobs.filter((j) => j.status === 'completed');
  const ended = jobs.filter((j) => j.status === 'completed' || j.status === 'failed' || j.status === 'cancelled').length;
  const timed = completed.filter((j) => j.duration_seconds > 0);
  const seconds = timed.reduce((sum, j) => sum + j.duration_seconds, 0);
  return {
    jobs: jobs.length,
    completed: completed.length,
    ended,
    success_rate_percent: ended ? (completed.length / ended) * 100 : null,
    bytes_transferred: jobs.reduce((sum, j) => sum + j.bytes_transferred, 0),
    avg_duration_seconds: timed.length ? seconds / timed.length : null,
    avg_speed_bps: seconds ? timed.reduce((sum, j) => sum + j.bytes_transferred, 0) / seconds : null,
  };
}

/** Splits jobs by `created_at` into the last 7 days up to `now_ms` and the 7 days before. */
export function splitWeeks(jobs: readonly BackupJob[], now_ms: number): WeekSplit {
  const current_from_ms = now_ms - WEEK_MS;
  const previous_from_ms = now_ms - 2 * WEEK_MS;
  const current: BackupJob[] = [];
  const previous: BackupJob[] = [];
  for (const job of jobs) {
    const t = Date.parse(job.created_at);
    if (t > current_from_ms && t <= now_ms) current.push(job);
    else if (t > previous_from_ms && t <= current_from_ms) previous.push(job);
  }
  return { current_from_ms, previous_from_ms, now_ms, current: figures(current), previous: figures(previous) };
}

export type Metric = 'jobs' | 'success_rate' | 'data' | 'duration' | 'speed';

/** A change put in words. `tone` says whether it is good news; `direction` is the arrow. */
export interface Change {
  metric: Metric;
  direction: 'up' | 'down' | 'same' | 'none';
  tone: 'good' | 'bad' | 'neutral';
  /** E.g. `up 12 %`, `down 3 jobs`, `up 4.5 points, better`, `up 20 %, slower`, `no change`, `no data last week`. */
  words: string;
}

/** Which way is good news: more speed and more successes are, longer durations are not; job counts and data are neither. */
const GOOD_WHEN_UP: Record<Metric, boolean | null> = { jobs: null, success_rate: true, data: null, duration: false, speed: true };
/** Words for "up" / "down" that say what it means. */
const JUDGEMENT: Partial<Record<Metric, [string, string]>> = {
  success_rate: ['better', 'worse'],
  duration: ['slower', 'faster'],
  speed: ['faster', 'slower'],
};

function judge(metric: Metric, up: boolean): Pick<Change, 'direction' | 'tone'> & { suffix: string } {
  const good = GOOD_WHEN_UP[metric];
  const words = JUDGEMENT[metric];
  return {
    direction: up ? 'up' : 'down',
    tone: good === null ? 'neutral' : good === up ? 'good' : 'bad',
    suffix: words ? `, ${up ? words[0] : words[1]}` : '',
  };
}

/** The change from last week to this week of one metric, in words. */
export function change(metric: Metric, current: number | null, previous: number | null): Change {
  if (previous === null || current === null) {
    return { metric, direction: 'none', tone: 'neutral', words: previous === null ? (current === null ? 'no data either week' : 'no data last week') : 'no data this week' };
  }
  if (metric === 'jobs' || metric === 'success_rate') {
    // Counts change by jobs, a rate by percentage points (a % of a % would mislead).
    const diff = current - previous;
    const shown = metric === 'jobs' ? Math.abs(diff) : Math.round(Math.abs(diff) * 10) / 10;
    if (shown === 0) return { metric, direction: 'same', tone: 'neutral', words: 'no change' };
    const { direction, tone, suffix } = judge(metric, diff > 0);
    const unit = metric === 'jobs' ? (shown === 1 ? 'job' : 'jobs') : shown === 1 ? 'point' : 'points';
    return { metric, direction, tone, words: `${direction} ${shown} ${unit}${suffix}` };
  }
  if (previous === 0) {
    if (current === 0) return { metric, direction: 'same', tone: 'neutral', words: 'no change' };
    return { metric, ...judgeWords(metric, true, 'from none') };
  }
  const percent = Math.round(Math.abs((current - previous) / previous) * 100);
  if (percent === 0) return { metric, direction: 'same', tone: 'neutral', words: 'no change' };
  return { metric, ...judgeWords(metric, current > previous, `${percent} %`) };
}

function judgeWords(metric: Metric, up: boolean, amount: string): Omit<Change, 'metric'> {
  const { direction, tone, suffix } = judge(metric, up);
  return { direction, tone, words: `${direction} ${amount}${suffix}` };
}

/** The five changes of a week split, in the order the element shows them. */
export function weekChanges(split: WeekSplit): Change[] {
  const { current: c, previous: p } = split;
  const hadJobs = p.jobs > 0;
  return [
    change('jobs', c.jobs, p.jobs),
    change('success_rate', c.success_rate_percent, p.success_rate_percent),
    change('data', c.bytes_transferred, hadJobs ? p.bytes_transferred : null),
    change('duration', c.avg_duration_seconds, p.avg_duration_seconds),
    change('speed', c.avg_speed_bps, p.avg_speed_bps),
  ];
}
