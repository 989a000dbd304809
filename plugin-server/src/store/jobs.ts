import type { Knex } from 'knex';
import type { JobStatus } from '@backup-telemetry/contract';
import { forUpdate, writeJson } from './dialect.js';
import { metricsToDb } from './metrics-json.js';
import { disksToDb, storedJobFromDb, type DiskRow, type JobRow, type StoredJob } from './rows.js';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

export const JOB_COLUMNS: readonly (keyof JobRow)[] = [
  'id', 'job_type', 'vm_name', 'vm_context_id', 'repository_id', 'backup_type', 'status', 'repository_path',
  'bytes_transferred', 'total_bytes', 'current_phase', 'transfer_speed_bps', 'eta_seconds', 'progress_percent',
  'last_telemetry_at', 'last_update_at', 'last_snapshot_at', 'snapshot_count', 'row_version', 'clock_offset_ms', 'stale_warned_at', 'error_message', 'log_count', 'warnings_count', 'details',
  'performance_metrics', 'created_at', 'started_at', 'completed_at',
];
/** Columns an ingest may change; identity columns never move. */
export const MUTABLE_JOB_COLUMNS = JOB_COLUMNS.filter((c) => !['id', 'job_type', 'vm_name', 'repository_id', 'backup_type', 'created_at', 'vm_context_id', 'repository_path'].includes(c));

/** The job row's columns as the ingest writes them: a job's own, then its disks (migration 004). */
export const JOB_ROW_COLUMNS: readonly string[] = [...JOB_COLUMNS, 'disks'];
export const MUTABLE_JOB_ROW_COLUMNS: readonly string[] = [...MUTABLE_JOB_COLUMNS, 'disks'];
/** What a job in a list shows (`toBackupJob` without metrics): every column but the chart JSON of `performance_metrics`, with the `anomalies` its end stored (migration 011). */
export const JOB_LIST_COLUMNS: readonly string[] = [...JOB_ROW_COLUMNS.filter((c) => c !== 'performance_metrics'), 'anomalies'];

/** A job row to write; with `disks`, its `disks` column too (else that column is left out). */
export function jobToDb(job: JobRow, disks?: readonly DiskRow[]): Record<string, unknown> {
  // `anomalies` is written apart, only for flagged ends (`saveAnomalies`): job writes stay as they were.
  const { anomalies: _anomalies, ...columns } = job;
  const row: Record<string, unknown> = { ...columns, details: writeJson(job.details), performance_metrics: job.performance_metrics && writeJson(metricsToDb(job.performance_metrics)) };
  if (disks) row.disks = disksToDb(disks);
  return row;
}

/** The disks of each job, by job id (every job listed, with none if it has none). */
export function disksByJob(jobs: readonly JobRow[], disks: readonly DiskRow[]): Map<string, DiskRow[]> {
  const out = new Map<string, DiskRow[]>(jobs.map((j) => [j.id, []]));
  for (const d of disks) out.get(d.backup_job_id)?.push(d);
  return out;
}

/** `row_version + 1`: every write of a job row outside the ingest's own upsert bumps its version. */
const bumped = (db: Db) => db.raw('?? + 1', ['row_version']);

export interface ListFilter {
  vm_name?: string;
  repository_id?: string;
  statuses?: JobStatus[];
  limit: number;
  /** Keyset cursor: jobs strictly older than (created_at, id). */
  before?: { created_at: number; id: string | null };
}

export function jobQueries(tables: Tables) {
  const { jobs } = tables;
  /**
   * Running or pending, and silent since before `cutoff` on the hub's clock: silence counts from the
   * later of the job's last sign of life (its last telemetry, else its registration) and the end of
   * the latest database outage (migration 006), since an agent retrying against the hub's 503s is not
   * silent by its own doing. The one definition the detector's reads and conditional UPDATEs share.
   */
  const silentBefore = (db: Db, q: Knex.QueryBuilder, cutoff: number) => q
    .whereIn('status', ['running', 'pending'])
    .andWhereRaw('COALESCE(last_telemetry_at, created_at) < ?', [cutoff])
    .whereNotExists(db(tables.outages).select(db.raw('1')).where('ended_at', '>=', cutoff));
  return {
    async insertJob(db: Db, job: JobRow, jobDisks: DiskRow[]): Promise<void> {
      await db(jobs).insert(jobToDb(job, jobDisks));
    },

    async findJob(db: Db, id: string): Promise<StoredJob | null> {
      const raw = await db(jobs).where({ id }).first();
      return raw ? storedJobFromDb(raw) : null;
    },

    /** Locks jobs in id order (on MySQL; a SQLite write transaction holds them all) and returns their row versions. */
    async lockVersions(trx: Knex.Transaction, ids: string[]): Promise<Map<string, number>> {
      const sorted = [...ids].sort();
      const rows = await forUpdate(trx, trx(jobs).select('id', 'row_version').whereIn('id', sorted).orderBy('id'));
      return new Map(rows.map((r: { id: unknown; row_version: unknown }) => [String(r.id), Number(r.row_version)]));
    },

    /** Reads and (on MySQL) locks jobs in id order, so concurrent batches cannot deadlock on them. */
    async lockJobs(trx: Knex.Transaction, ids: string[]): Promise<Map<string, StoredJob>> {
      const sorted = [...ids].sort();
      const rows = await forUpdate(trx, trx(jobs).whereIn('id', sorted).orderBy('id'));
      return new Map(rows.map((r: Record<string, unknown>) => [String(r.id), storedJobFromDb(r)]));
    },

    /**
     * Writes the new state of many jobs in one statement. With `disks` (every disk of those jobs),
     * their disks too; without, their `disks` column is left as it is.
     */
    async saveJobs(trx: Knex.Transaction, rows: JobRow[], disks?: readonly DiskRow[]): Promise<void> {
      if (rows.length === 0) return;
      if (!disks) {
        await trx(jobs).insert(rows.map((job) => jobToDb(job))).onConflict('id').merge([...MUTABLE_JOB_COLUMNS]);
        return;
      }
      const byJob = disksByJob(rows, disks);
      await trx(jobs).insert(rows.map((job) => jobToDb(job, byJob.get(job.id)))).onConflict('id').merge([...MUTABLE_JOB_ROW_COLUMNS]);
    },

    /** Stores what the ends of these jobs found (migration 011); jobs with nothing found are left alone. */
    async saveAnomalies(trx: Knex.Transaction, ended: readonly JobRow[]): Promise<void> {
      for (const job of ended) if (job.anomalies?.length) await trx(jobs).where({ id: job.id }).update({ anomalies: writeJson(job.anomalies) });
    },

    /**
     * Jobs silent since before `cutoff` (see `silentBefore`), with their last sign of life: the last
     * telemetry received, else the registration (a job's `started_at` unless the client backdated it).
     */
    async silentSince(db: Db, cutoff: number, opts: { unwarnedOnly?: boolean } = {}): Promise<{ id: string; last_activity_at: number }[]> {
      const q = silentBefore(db, db(jobs).select('id', db.raw('COALESCE(last_telemetry_at, created_at) as last_activity_at')), cutoff);
      if (opts.unwarnedOnly) q.whereNull('stale_warned_at');
      const rows = await q.limit(1000);
      return rows.map((r: { id: string; last_activity_at: unknown }) => ({ id: String(r.id), last_activity_at: Number(r.last_activity_at) }));
    },

    /** Marks a quiet job warned, once per silence (new telemetry clears the mark), taking the next seq of its log for the warning. */
    async markWarned(db: Db, id: string, cutoff: number, nowMs: number): Promise<boolean> {
      const changed = await silentBefore(db, db(jobs).where({ id }).whereNull('stale_warned_at'), cutoff)
        .update({ stale_warned_at: nowMs, row_version: bumped(db), log_count: db.raw('?? + 1', ['log_count']) });
      return changed === 1;
    },

    /**
     * Ends a running job only if it is still running and silent since before `cutoff` (no telemetry,
     * and no outage recorded since): the one conditional UPDATE that lets several hub instances run
     * the stale detector safely.
     */
    async failIfSilent(trx: Knex.Transaction, id: string, cutoff: number, message: string, nowMs: number): Promise<boolean> {
      const changed = await silentBefore(trx, trx(jobs).where({ id }), cutoff)
        .update({ status: 'failed', error_message: message, completed_at: nowMs, row_version: bumped(trx) });
      return changed === 1;
    },

    async countByStatus(db: Db, status: JobStatus): Promise<number> {
      const row = await db(jobs).where({ status }).count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },

    async list(db: Db, filter: ListFilter): Promise<StoredJob[]> {
      const q = db(jobs).select('*');
      if (filter.vm_name !== undefined) q.where('vm_name', filter.vm_name);
      if (filter.repository_id !== undefined) q.where('repository_id', filter.repository_id);
      if (filter.statuses?.length) q.whereIn('status', filter.statuses);
      const before = filter.before;
      if (before) {
        if (before.id === null) q.where('created_at', '<', before.created_at);
        else q.where((w) => w.where('created_at', '<', before.created_at).orWhere((o) => o.where('created_at', before.created_at).andWhere('id', '<', before.id!)));
      }
      const rows = await q.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit);
      return rows.map(storedJobFromDb);
    },

    /** Jobs by id as lists show them (no `performance_metrics`): the machine rows' newest jobs, named by their summaries. */
    async listedByIds(db: Db, ids: readonly string[]): Promise<Map<string, StoredJob>> {
      if (ids.length === 0) return new Map();
      const rows = await db(jobs).select([...JOB_LIST_COLUMNS]).whereIn('id', [...new Set(ids)]);
      return new Map(rows.map((raw: Record<string, unknown>) => {
        const stored = storedJobFromDb(raw);
        return [stored.job.id, stored];
      }));
    },
  };
}

export type JobQueries = ReturnType<typeof jobQueries>;
