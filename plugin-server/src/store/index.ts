import type { Knex } from 'knex';
import { isMysql } from './dialect.js';
import { jobQueries } from './jobs.js';
import { machineQueries } from './machines.js';
import { migrateLatest, migrateRollbackAll } from './migrations/index.js';
import { snapshotQueries } from './snapshots.js';
import { tableNames, type Tables } from './tables.js';

/** Every query of one plugin instance, bound to its table prefix. */
export function createStore(knex: Knex, prefix = '') {
  const tables: Tables = tableNames(prefix);
  const sqlite = !isMysql(knex);
  return {
    knex,
    tables,
    /**
     * A write transaction. On SQLite it takes the write lock first (like BEGIN IMMEDIATE), so two
     * processes sharing the file wait for each other instead of failing with SQLITE_BUSY when both
     * try to upgrade a read lock.
     */
    transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
      return knex.transaction(async (trx) => {
        if (sqlite) await trx.raw('DELETE FROM ?? WHERE 0', [tables.jobs]);
        return work(trx);
      });
    },
    jobs: jobQueries(tables),
    snapshots: snapshotQueries(tables),
    machines: machineQueries(tables),
    migrate: () => migrateLatest(knex, tables),
    /** Drops the plugin's tables (tests and uninstall). */
    dropAll: () => migrateRollbackAll(knex, tables),
  };
}

export type Store = ReturnType<typeof createStore>;
export type { DiskRow, JobRow, MachineRow, SnapshotRow } from './rows.js';
export { knexFromUrl } from './connect.js';
