import type { JobLogEntry, LogLevel, LogSource, NormalizedLogEntry } from '@backup-telemetry/contract';
import type { JobRow } from '../store/rows.js';

/** One `job_log_entries` row (timestamps in epoch ms on the hub clock). */
export interface LogRow {
  job_id: string;
  seq: number;
  at: number;
  level: LogLevel;
  source: LogSource;
  message: string;
}

/**
 * How much of a job's log the hub keeps, whatever the client sends: while it runs, the first 20
 * entries and the newest 200 (at most 220 × 1,000 characters); once it ended, the first 10 and the
 * newest 30, each cut to 200 characters (at most 40 entries, about 8 KB of text).
 * The entries in between are dropped and counted (`JobLogResponse.dropped_count`).
 */
export const LOG_BOUNDS = {
  running: { first: 20, newest: 200 },
  ended: { first: 10, newest: 30, messageChars: 200 },
} as const;

/** What a commit drops of one job's log: entries with `above < seq <= upTo`, and with `cutToChars`, the rest cut. */
export interface LogTrim {
  job_id: string;
  above: number;
  upTo: number;
  cutToChars?: number;
}

/** Longest hub-written message (a client's are capped by validation at the same length). */
const MAX_HUB_MESSAGE = 1000;
const clip = (text: string) => (text.length > MAX_HUB_MESSAGE ? `${text.slice(0, MAX_HUB_MESSAGE - 1)}…` : text);

/** Appends entries to a job's log (mutating its `log_count`): each gets the next `seq`. */
export function appendLog(job: Pick<JobRow, 'id' | 'log_count'>, entries: readonly Omit<LogRow, 'job_id' | 'seq'>[]): LogRow[] {
  return entries.map((e) => ({ ...e, job_id: job.id, seq: (job.log_count += 1) }));
}

/** A hub entry. */
export const hubEntry = (at: number, level: LogLevel, message: string): Omit<LogRow, 'job_id' | 'seq'> =>
  ({ at, level, source: 'hub', message: clip(message) });

/**
 * A client's entries on the hub clock: an entry's own `at` moved by the job's clock offset (never
 * later than the hub's now), else the update's measured time.
 */
export function clientEntries(job: Pick<JobRow, 'clock_offset_ms'>, entries: readonly NormalizedLogEntry[], updateAt: number, nowMs: number): Omit<LogRow, 'job_id' | 'seq'>[] {
  return entries.map((e) => ({
    at: e.at_ms === undefined ? updateAt : Math.min(nowMs, e.at_ms + (job.clock_offset_ms ?? 0)),
    level: e.level,
    source: 'client',
    message: e.message,
  }));
}

export const registeredMessage = (job: Pick<JobRow, 'backup_type' | 'job_type' | 'vm_name' | 'repository_id'>) =>
  `Registered: ${job.backup_type} ${job.job_type} of ${job.vm_name} to repository ${job.repository_id}`;

export const phaseMessage = (phase: string) => `Phase: ${phase}`;

export const RESUMED_MESSAGE = 'Resumed: this hub instance took the running job up (the hub restarted, or another instance served it until now)';

/** The entry that closes a job's log: its outcome and, for a failure, its error. */
export function endEntry(job: Pick<JobRow, 'status' | 'error_message' | 'warnings_count' | 'completed_at'>, nowMs: number): Omit<LogRow, 'job_id' | 'seq'> {
  const at = job.completed_at ?? nowMs;
  if (job.status === 'completed') {
    const n = job.warnings_count;
    return n > 0 ? hubEntry(at, 'warning', `Completed with ${n} warning${n === 1 ? '' : 's'}`) : hubEntry(at, 'info', 'Completed');
  }
  if (job.status === 'failed') return hubEntry(at, 'error', `Failed: ${job.error_message ?? 'no error message'}`);
  return hubEntry(at, 'warning', 'Cancelled');
}

/**
 * What a commit drops of a job's log after it appended entries or ended: null while it is within
 * its bound (a running job's), else the range between the kept first and newest entries.
 */
export function trimOf(job: Pick<JobRow, 'id' | 'log_count'>, ended: boolean): LogTrim | null {
  const bound = ended ? LOG_BOUNDS.ended : LOG_BOUNDS.running;
  const upTo = job.log_count - bound.newest;
  if (!ended) return upTo > bound.first ? { job_id: job.id, above: bound.first, upTo } : null;
  return { job_id: job.id, above: bound.first, upTo: Math.max(bound.first, upTo), cutToChars: LOG_BOUNDS.ended.messageChars };
}

export function toLogEntry(row: LogRow): JobLogEntry {
  return { seq: row.seq, at: new Date(row.at).toISOString(), level: row.level, source: row.source, message: row.message };
}
