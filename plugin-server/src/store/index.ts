import type { Knex } from 'knex';
import { summaryQueries } from '../fleet/summaries.js';
import { dialectOf } from './dialect.js';
import { knexIngestTransaction, type IngestTransaction } from './ingest-tx.js';
import { insightQueries } from './insight.js';
import { jobLogQueries } from './job-log.js';
import { jobQueries } from './jobs.js';
import { machineQueries } from './machines.js';
import { enforcesRowVersionCheck, mysqlIngestTransaction } from './mysql-ingest-tx.js';
import { migrateLatest, migrateRollbackAll } from './migrations/index.js';
import { hasRowVersionCheck, postgresIngestTransaction } from './postgres-ingest-tx.js';
import { outageQueries } from './outages.js';
import { policyQueries } from './policies.js';
import { snapshotQueries } from './snapshots.js';
import { tableNames, type Tables } from './tables.js';

/** Every query of one plugin instance, bound to its table prefix. */
export function createStore(knex: Knex, prefix = '') {
  const tables: Tables = tableNames(prefix);
  const dialect = dialectOf(knex);
  const sqlite = dialect === 'sqlite';
  const mysql = dialect === 'mysql';
  const postgres = dialect === 'postgres';
  /**
   * On SQLite a write transaction takes the write lock first (like BEGIN IMMEDIATE), so two
   * processes sharing the file wait for each other instead of failing with SQLITE_BUSY when both
   * try to upgrade a read lock.
   */
  const lockForWrite = (trx: Knex.Transaction) => (sqlite ? trx.raw('DELETE FROM ?? WHERE 0', [tables.jobs]) : undefined);
  const jobs = jobQueries(tables);
  const snapshots = snapshotQueries(tables);
  const summaries = summaryQueries(tables, mysql);
  const insight = insightQueries(tables);
  const jobLog = jobLogQueries(tables, mysql);
  /** Whether MySQL and PostgreSQL batches of known jobs may skip locking them first (known after `migrate()`). */
  let guarded = false;
  /** The knex path: a round trip per statement, every batch locking its jobs first. SQLite's. */
  const portableIngest = (): IngestTransaction => knexIngestTransaction(async () => {
    const trx = await knex.transaction();
    // A BEGIN that failed (connection cut) still hands back a transaction, already completed:
    // its own error (unavailable, so 503) rather than "Transaction query already complete" (500).
    if (trx.isCompleted()) await trx.executionPromise;
    try {
      await lockForWrite(trx);
    } catch (error) {
      // Write lock not taken (SQLITE_BUSY): give the connection back, or the pool's only one stays held.
      await trx.rollback().catch(() => undefined);
      throw error;
    }
    return trx;
  }, jobs, snapshots, summaries, insight, jobLog);
  return {
    knex,
    tables,
    /** A write transaction. */
    transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
      return knex.transaction(async (trx) => {
        await lockForWrite(trx);
        return work(trx);
      });
    },
    /** One ingest batch's transaction: raw and in one or two round trips on MySQL and PostgreSQL, through knex on SQLite. */
    ingestTransaction(): IngestTransaction {
      if (mysql) return mysqlIngestTransaction(knex, tables, { guarded });
      if (postgres) return postgresIngestTransaction(knex, tables, { guarded });
      return portableIngest();
    },
    /** The knex path on any database (see `portableIngest`): the benches' A/B of the fast paths. */
    portableIngestTransaction: portableIngest,
    jobs,
    snapshots,
    /** Jobs' session logs (joblog/). */
    jobLog,
    machines: machineQueries(tables),
    outages: outageQueries(tables),
    /** VMs' own protection policies (protection/). */
    policies: policyQueries(tables),
    /** A VM's recent jobs as its insight reads them (insight/). */
    insight,
    /** Per-VM and per-VM-and-repository summaries (fleet/). */
    summaries,
    async migrate() {
      await migrateLatest(knex, tables);
      guarded = mysql ? await enforcesRowVersionCheck(knex, tables) : postgres && (await hasRowVersionCheck(knex, tables));
    },
    /** Drops the plugin's tables (tests and uninstall). */
    dropAll: () => migrateRollbackAll(knex, tables),
  };
}

export type Store = ReturnType<typeof createStore>;
export type { DiskRow, JobRow, MachineRow, SnapshotRow } from './rows.js';
export { knexFromUrl } from './connect.js';
