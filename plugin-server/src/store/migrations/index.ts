import type { Knex } from 'knex';
import type { Tables } from '../tables.js';
import { initialSchema } from './001_initial.js';
import { snapshotCount } from './002_snapshot_count.js';
import { rowVersion } from './003_row_version.js';
import { disksOnJobRow } from './004_disks_on_job_row.js';
import { exactIdentity } from './005_exact_identity.js';
import { databaseOutage } from './006_database_outage.js';
import { machineSummaries } from './007_machine_summaries.js';
import { protection } from './008_protection.js';
import { notifications } from './009_notifications.js';
import { jobLog } from './010_job_log.js';
import { jobInsight } from './011_job_insight.js';

export interface Migration {
  name: string;
  up(knex: Knex, tables: Tables): Promise<void>;
  down(knex: Knex, tables: Tables): Promise<void>;
}

const MIGRATIONS: Migration[] = [initialSchema, snapshotCount, rowVersion, disksOnJobRow, exactIdentity, databaseOutage, machineSummaries, protection, notifications, jobLog, jobInsight];

/** A knex migration source serving the plugin's own migrations for one table prefix. */
export function migrationSource(tables: Tables): Knex.MigrationSource<Migration> {
  return {
    getMigrations: async () => MIGRATIONS,
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({ up: (knex: Knex) => m.up(knex, tables), down: (knex: Knex) => m.down(knex, tables) }),
  };
}

/** Runs every pending migration. Safe when several hub instances start at once (knex's lock table). */
export async function migrateLatest(knex: Knex, tables: Tables): Promise<void> {
  await knex.migrate.latest({ migrationSource: migrationSource(tables), tableName: tables.migrations });
}

/** Rolls back every migration and drops the bookkeeping tables: the plugin leaves nothing behind. */
export async function migrateRollbackAll(knex: Knex, tables: Tables): Promise<void> {
  await knex.migrate.rollback({ migrationSource: migrationSource(tables), tableName: tables.migrations }, true);
  await knex.schema.dropTableIfExists(`${tables.migrations}_lock`);
  await knex.schema.dropTableIfExists(tables.migrations);
}
