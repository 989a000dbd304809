import type { Knex } from 'knex';
import type { Statement } from '../fleet/summary-sql.js';
import type { SummaryQueries } from '../fleet/summaries.js';
import type { PastJob } from '../insight/baseline.js';
import type { HistoryKey, InsightQueries } from './insight.js';
import type { LogRow, LogTrim } from '../joblog/entries.js';
import type { JobLogQueries } from './job-log.js';
import type { JobQueries } from './jobs.js';
import type { DiskRow, JobRow, SnapshotRow, StoredJob } from './rows.js';
import type { SnapshotQueries } from './snapshots.js';

/** What one ingest batch writes when it commits. */
export interface IngestWrites {
  snapshots: SnapshotRow[];
  /** Jobs that ended in this batch: their snapshots are deleted (they were rolled up). */
  deleteSnapshotsOf: string[];
  /** Every disk of the written jobs (stored on their rows). */
  disks: DiskRow[];
  jobs: JobRow[];
  /** The jobs of `jobs` that ended in this batch: added to their machine summaries in the same commit. */
  ended: JobRow[];
  /** Webhook outbox rows of the jobs that ended (notify/outbox.ts), run after the summaries; usually none. */
  outbox: Statement[];
  /** Session log entries the batch appended (their jobs' `log_count` in `jobs`), then what it drops of those logs. */
  log: LogRow[];
  logTrims: LogTrim[];
}

/** The jobs of a batch once locked. */
export interface LockedJobs {
  /** Every existing job of the batch with its row version (absent: no such job). */
  versions: Map<string, number>;
  /** The jobs (with their disks) the caller did not know at their current version, read in full. */
  read: Map<string, StoredJob>;
}

/**
 * One ingest batch's transaction, in the fewest round trips the database allows: open and lock the
 * batch's jobs (with their disks), read the snapshots of jobs that end, then write everything and
 * commit. Either `commit` succeeds or nothing of the batch is stored.
 */
export interface IngestTransaction {
  /**
   * Opens the transaction and locks the jobs (in id order). `known` holds the row version at which
   * the caller already has a job's state: only the jobs whose version differs (or that it does not
   * know) are read in full, with their disks.
   */
  lockJobs(ids: string[], known: ReadonlyMap<string, number>): Promise<LockedJobs>;
  /** The stored snapshots of these jobs, each list in time order. */
  snapshotsOf(ids: string[]): Promise<Map<string, SnapshotRow[]>>;
  /** Each key's last `limit` completed jobs, newest first, by `historyKeyOf` (the insight of jobs that complete). */
  completedHistory(keys: HistoryKey[], limit: number): Promise<Map<string, PastJob[]>>;
  commit(writes: IngestWrites): Promise<void>;
  /**
   * Without `lockJobs`: writes and commits a batch whose jobs the caller knew at one less than the
   * `row_version` it now writes, in one round trip, provided that each job's stored version is still
   * that one. False, with nothing written, when another writer changed one of them meanwhile.
   * Only where the database can refuse a write by a row's old value (MySQL/MariaDB).
   */
  commitIfUnchanged?(writes: IngestWrites): Promise<boolean>;
  /** Undoes everything; safe to call after a failed statement (and a no-op after commit). */
  rollback(): Promise<void>;
}

/**
 * The portable implementation over a knex transaction (SQLite, and any knex the fast path cannot
 * use). `begin` opens the transaction the store's way (on SQLite, taking the write lock first).
 */
export function knexIngestTransaction(
  begin: () => Promise<Knex.Transaction>, jobs: JobQueries, snapshots: SnapshotQueries, summaries: SummaryQueries, insight: InsightQueries, jobLog: JobLogQueries,
): IngestTransaction {
  let trx: Knex.Transaction | null = null;
  const open = () => {
    if (!trx) throw new Error('lockJobs() opens the ingest transaction');
    return trx;
  };
  return {
    async lockJobs(ids, known) {
      trx = await begin();
      const versions = await jobs.lockVersions(trx, ids);
      const stale = [...versions].filter(([id, version]) => known.get(id) !== version).map(([id]) => id);
      return { versions, read: stale.length ? await jobs.lockJobs(trx, stale) : new Map() };
    },
    async snapshotsOf(ids) {
      const out = new Map<string, SnapshotRow[]>();
      for (const id of ids) out.set(id, await snapshots.ofJob(open(), id));
      return out;
    },
    completedHistory: (keys, limit) => insight.completedHistory(open(), keys, limit),
    async commit(writes) {
      const t = open();
      await snapshots.insert(t, writes.snapshots);
      for (const id of writes.deleteSnapshotsOf) await snapshots.deleteOfJob(t, id);
      await summaries.recordEnded(t, writes.ended);
      await jobs.saveJobs(t, writes.jobs, writes.disks);
      await jobs.saveAnomalies(t, writes.ended);
      await jobLog.write(t, writes.log, writes.logTrims);
      for (const s of writes.outbox) await t.raw(s.sql, s.bindings);
      await t.commit();
      // A transaction opened without a handler resolves commit() even when COMMIT fails; the
      // failure reaches only executionPromise, and an update must not be acknowledged on it.
      await t.executionPromise;
    },
    async rollback() {
      if (trx && !trx.isCompleted()) await trx.rollback().catch(() => undefined);
    },
  };
}
