import type { Knex } from 'knex';
import { jobQueries } from './jobs.js';
import { machineQueries } from './machines.js';
import { migrateLatest, migrateRollbackAll } from './migrations/index.js';
import { snapshotQueries } from './snapshots.js';
import { tableNames, type Tables } from './tables.js';

/** Every query of one plugin instance, bound to its table prefix. */
export function createStore(knex: Knex, prefix = '') {
  const tables: Tables = tableNames(prefix);
  return {
    knex,
    tables,
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
