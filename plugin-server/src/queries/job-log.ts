import { invalid, type JobLogResponse } from '@backup-telemetry/contract';
import { toLogEntry } from '../joblog/entries.js';
import type { StoredJob } from '../store/rows.js';
import type { Store } from '../store/index.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 500;

type Query = Record<string, unknown>;

function wholeNumber(query: Query, key: string, min: number, max: number): number | undefined {
  const raw = query[key];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw invalid(key, `must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

/** `GET /backups/:id/log?after=<seq>&limit=`: the entries after `after` (default 0), oldest first. */
export async function jobLogPage(store: Store, { job }: StoredJob, query: Query): Promise<JobLogResponse> {
  const after = wholeNumber(query, 'after', 0, 2_147_483_647) ?? 0;
  const limit = wholeNumber(query, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
  const [rows, kept] = await Promise.all([store.jobLog.page(store.knex, job.id, after, limit), store.jobLog.countOf(store.knex, job.id)]);
  return {
    job_id: job.id,
    entries: rows.map(toLogEntry),
    next_after: rows.length === limit ? rows[rows.length - 1]!.seq : null,
    total_count: job.log_count,
    dropped_count: Math.max(0, job.log_count - kept),
  };
}
