import { dialectOf } from '../dialect.js';
import { rowVersionCheck } from '../tables.js';
import type { Migration } from './index.js';

/**
 * `backup_jobs.row_version`: bumped by every write to a job row (ingest, the stale detector). An
 * ingest batch locks its jobs reading only `(id, row_version)` and reuses the state this instance
 * committed when the version is the one it wrote; any other writer's change shows as a newer version
 * and the row is read in full. The stale detector's index drops `last_telemetry_at`, which every
 * update rewrites: keeping it in the index cost MariaDB about an eighth of its work per update, and
 * the detector only ever scans the running jobs. On MySQL/MariaDB and PostgreSQL a CHECK keeps the version
 * non-negative: an ingest that writes jobs without locking them first sets -1 on a row whose version
 * moved, so the database refuses the whole batch (store/mysql-ingest-tx.ts, store/postgres-ingest-tx.ts).
 */
export const rowVersion: Migration = {
  name: '003_row_version',
  async up(knex, t) {
    await knex.schema.alterTable(t.jobs, (table) => {
      table.integer('row_version').notNullable().defaultTo(0).comment('bumped by every write of the row: lets an ingest reuse the state it committed');
      table.dropIndex(['status', 'last_telemetry_at'], `${t.prefix}jobs_status_telemetry`);
      table.index(['status'], `${t.prefix}jobs_status`);
    });
    if (dialectOf(knex) !== 'sqlite') await knex.raw('ALTER TABLE ?? ADD CONSTRAINT ?? CHECK (row_version >= 0)', [t.jobs, rowVersionCheck(t)]);
  },
  async down(knex, t) {
    if (dialectOf(knex) !== 'sqlite') await knex.raw('ALTER TABLE ?? DROP CONSTRAINT ??', [t.jobs, rowVersionCheck(t)]);
    await knex.schema.alterTable(t.jobs, (table) => {
      table.dropIndex(['status'], `${t.prefix}jobs_status`);
      table.index(['status', 'last_telemetry_at'], `${t.prefix}jobs_status_telemetry`);
      table.dropColumn('row_version');
    });
  },
};
