import type { Tables } from '../store/tables.js';
import { startOf } from '../store/rows.js';
import { OUTCOME_BUCKET_MS } from '../store/migrations/008_protection.js';
import { compareIds, type EndedStatus, type SummarizedJob } from './summary.js';

/** A statement with `?` values and `??` identifiers, for knex's `raw` and mysql2's `format` alike. */
export type Binding = string | number | null;

export interface Statement {
  sql: string;
  bindings: Binding[];
}

/** One summary table and the key columns that scope its row to a job. */
interface Scope {
  table: string;
  keys: ('vm_name' | 'repository_id')[];
}

const scopes = (t: Tables): Scope[] => [
  { table: t.machineSummaries, keys: ['vm_name'] },
  { table: t.repositorySummaries, keys: ['vm_name', 'repository_id'] },
];

/** `(at, id)` later than the stored last `(atColumn, idColumn)`: three bindings, at, at, id. */
const after = (atColumn: string, idColumn: string) =>
  `(${atColumn} IS NULL OR ? > ${atColumn} OR (? = ${atColumn} AND ? > ${idColumn}))`;

interface Assignment {
  sql: string;
  bindings: Binding[];
}

/**
 * The stored last (job, time) pair, replaced when the job is later. MySQL assigns left to right and
 * later assignments read the new values, SQLite reads the old ones throughout: so every column that
 * decides is assigned after those that read it, and the time last, from a test on the time alone.
 */
function lastOf(what: 'last_job' | 'last_success' | 'last_failure' | 'last_ended', at: number, id: string, extra: [column: string, value: Binding][] = []): Assignment[] {
  const atColumn = `${what}_at`;
  const idColumn = what === 'last_job' ? 'last_job_id' : `${what}_job_id`;
  const when = after(atColumn, idColumn);
  return [
    ...[...extra, [idColumn, id] as [string, Binding]].map(([column, value]) => ({
      sql: `${column} = CASE WHEN ${when} THEN ? ELSE ${column} END`, bindings: [at, at, id, value],
    })),
    { sql: `${atColumn} = CASE WHEN ${atColumn} IS NULL OR ? > ${atColumn} THEN ? ELSE ${atColumn} END`, bindings: [at, at] },
  ];
}

/** A registered job: the VM's first sighting, its newest job and newest start. */
function seen(job: SummarizedJob): Assignment[] {
  const started = startOf(job);
  return [
    { sql: 'first_seen_at = CASE WHEN ? < first_seen_at THEN ? ELSE first_seen_at END', bindings: [job.created_at, job.created_at] },
    { sql: 'last_started_at = CASE WHEN last_started_at IS NULL OR ? > last_started_at THEN ? ELSE last_started_at END', bindings: [started, started] },
    ...lastOf('last_job', job.created_at, job.id),
  ];
}

/**
 * Consecutive failures when a success ends: unchanged if a later success is stored; 0 if no failure
 * ended after it; otherwise (it ended out of order, after a later failure was recorded) the failures
 * of the scope that ended after it, counted on `backup_jobs`: the rare case pays the only read.
 */
function failuresAfterSuccess(scope: Scope, job: SummarizedJob, at: number, jobsTable: string): Assignment {
  const where = scope.keys.map((k) => `j.${k} = ?`).join(' AND ');
  const count = `(SELECT COUNT(*) FROM ?? j WHERE ${where} AND j.status = 'failed' AND (j.completed_at > ? OR (j.completed_at = ? AND j.id > ?)))`;
  return {
    sql: `consecutive_failures = CASE WHEN ${after('last_success_at', 'last_success_job_id')} THEN `
      + `(CASE WHEN ${after('last_failure_at', 'last_failure_job_id')} THEN 0 ELSE ${count} END) ELSE consecutive_failures END`,
    bindings: [at, at, job.id, at, at, job.id, jobsTable, ...scope.keys.map((k) => job[k]), at, at, job.id],
  };
}

function ended(scope: Scope, job: SummarizedJob, status: EndedStatus, jobsTable: string): Assignment[] {
  const at = job.completed_at ?? startOf(job);
  const own: Assignment[] = [];
  if (status === 'completed') {
    own.push(
      { sql: 'completed_count = completed_count + 1', bindings: [] },
      ...(job.warnings_count > 0 ? [{ sql: 'completed_with_warnings_count = completed_with_warnings_count + 1', bindings: [] }] : []),
      { sql: 'completed_bytes_sum = completed_bytes_sum + ?', bindings: [job.bytes_transferred] },
      { sql: 'completed_duration_ms_sum = completed_duration_ms_sum + ?', bindings: [at - startOf(job)] },
      failuresAfterSuccess(scope, job, at, jobsTable),
      ...lastOf('last_success', at, job.id, [['last_success_bytes', job.bytes_transferred]]),
    );
  } else if (status === 'failed') {
    own.push(
      { sql: 'failed_count = failed_count + 1', bindings: [] },
      { sql: `consecutive_failures = CASE WHEN ${after('last_success_at', 'last_success_job_id')} THEN consecutive_failures + 1 ELSE consecutive_failures END`, bindings: [at, at, job.id] },
      ...lastOf('last_failure', at, job.id, [['last_failure_error', job.error_message]]),
    );
  } else {
    own.push({ sql: 'cancelled_count = cancelled_count + 1', bindings: [] });
  }
  return [...own, ...lastOf('last_ended', at, job.id, [['last_ended_status', status]])];
}

/** Creates the scope's row if it has none (a no-op otherwise), so that the UPDATE after it always finds one. */
function ensureRow(scope: Scope, job: SummarizedJob, mysql: boolean): Statement {
  const columns = [...scope.keys, 'first_seen_at'];
  const conflict = mysql ? ' ON DUPLICATE KEY UPDATE vm_name = vm_name' : ' ON CONFLICT DO NOTHING';
  return {
    sql: `INSERT INTO ?? (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${conflict}`,
    bindings: [scope.table, ...scope.keys.map((k) => job[k]), job.created_at],
  };
}

function update(scope: Scope, job: SummarizedJob, assignments: Assignment[]): Statement {
  return {
    sql: `UPDATE ?? SET ${assignments.map((a) => a.sql).join(', ')} WHERE ${scope.keys.map((k) => `${k} = ?`).join(' AND ')}`,
    bindings: [scope.table, ...assignments.flatMap((a) => a.bindings), ...scope.keys.map((k) => job[k])],
  };
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Key order (no deadlock between instances), then end order within a row (see `summaryStatements`). */
const byKeyThenEnd = (scope: Scope) => (a: SummarizedJob, b: SummarizedJob) =>
  scope.keys.reduce((order, key) => order || text(a[key], b[key]), 0) || (a.completed_at ?? 0) - (b.completed_at ?? 0) || compareIds(a.id, b.id);

/**
 * The statements that add jobs to their summaries, in the transaction that writes the jobs: one row
 * upsert and one UPDATE of increments and conditional replacements per job and table, never a value
 * read first, so ends committed by several hub instances at once all count. Rows are touched in key
 * order, the per-VM table first, so two transactions cannot deadlock on them. `ended` adds the job's
 * end (its status must be final); without it only its registration is recorded. Ends go in before the
 * ended jobs' rows are written, each row's in end order: a success's recount of later failures then
 * sees only failures already in the summary (committed by others), never one of its own batch that
 * the summary is about to count.
 */
export function summaryStatements(tables: Tables, jobs: readonly SummarizedJob[], mode: 'registered' | 'ended', mysql: boolean): Statement[] {
  const out = scopes(tables).flatMap((scope) => [...jobs].sort(byKeyThenEnd(scope)).flatMap((job) => {
    const assignments = seen(job);
    if (mode === 'ended') assignments.push(...ended(scope, job, job.status as EndedStatus, tables.jobs));
    return [ensureRow(scope, job, mysql), update(scope, job, assignments)];
  }));
  if (mode === 'ended' && jobs.length) out.push(outcomeBucketsUpsert(tables, jobs, mysql));
  return out;
}

/** One `job_outcome_buckets` row's key and the increments a batch adds to it. */
interface BucketIncrement {
  bucket_start: number;
  job_type: string;
  status: string;
  job_count: number;
  /** Of `job_count`, the jobs that completed with warnings. */
  warning_count: number;
  bytes_sum: number;
}

/** The ended jobs counted per 10-minute bucket of their end, job type and outcome, in key order. */
export function outcomeIncrements(jobs: readonly SummarizedJob[]): BucketIncrement[] {
  const byKey = new Map<string, BucketIncrement>();
  for (const job of jobs) {
    const at = job.completed_at ?? startOf(job);
    const bucket_start = Math.floor(at / OUTCOME_BUCKET_MS) * OUTCOME_BUCKET_MS;
    const key = JSON.stringify([bucket_start, job.job_type, job.status]);
    const row = byKey.get(key) ?? { bucket_start, job_type: job.job_type, status: job.status, job_count: 0, warning_count: 0, bytes_sum: 0 };
    row.job_count += 1;
    if (job.status === 'completed' && job.warnings_count > 0) row.warning_count += 1;
    row.bytes_sum += job.bytes_transferred;
    byKey.set(key, row);
  }
  return [...byKey.values()].sort((a, b) => a.bucket_start - b.bucket_start || text(a.job_type, b.job_type) || text(a.status, b.status));
}

/**
 * One upsert adding the batch's ends to the fleet windows' buckets (migration 008), after the
 * summaries (every end path takes its locks in that order): rows in key order, so that instances
 * ending jobs at once take the bucket rows' locks in the same order and cannot deadlock on them.
 */
function outcomeBucketsUpsert(tables: Tables, jobs: readonly SummarizedJob[], mysql: boolean): Statement {
  const rows = outcomeIncrements(jobs);
  const conflict = mysql
    ? ' ON DUPLICATE KEY UPDATE job_count = job_count + VALUES(job_count), warning_count = warning_count + VALUES(warning_count), bytes_sum = bytes_sum + VALUES(bytes_sum)'
    // The old row's columns named by table: PostgreSQL calls a bare name ambiguous beside `excluded`.
    : ' ON CONFLICT (bucket_start, job_type, status) DO UPDATE SET job_count = ??.job_count + excluded.job_count, warning_count = ??.warning_count + excluded.warning_count, bytes_sum = ??.bytes_sum + excluded.bytes_sum';
  const t = tables.outcomeBuckets;
  return {
    sql: `INSERT INTO ?? (bucket_start, job_type, status, job_count, warning_count, bytes_sum) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}${conflict}`,
    bindings: [t, ...rows.flatMap((r) => [r.bucket_start, r.job_type, r.status, r.job_count, r.warning_count, r.bytes_sum]), ...(mysql ? [] : [t, t, t])],
  };
}
