import type { Migration } from './index.js';

/**
 * `backup_jobs.row_version`: bumped by every write to a job row (ingest, the stale detector). An
 * ingest batch locks its jobs reading only `(id, row_version)` and reuses the state this instance
 * committed when the version is the one it wrote; any other writer's change shows as a newer version
 * and the row is read in full. The stale detector's index drops `last_telemetry_at`, which every
 * update rewrites: keeping it in the index cost MariaDB about an eighth of its work per update, and
 * the detector only ever scans the running jobs.
 */
export const rowVersion: Migration = {
  name: '003_row_version',
  async up(knex, t) {
    await knex.schema.alterTable(t.jobs, (table) => {
      table.integer('row_version').notNullable().defaultTo(0).comment('bumped by every write of the row: lets an ingest reuse the state it committed');
      table.dropIndex(['status', 'last_telemetry_at'], `${t.prefix}jobs_status_telemetry`);
      table.index(['status'], `${t.prefix}jobs_status`);
    });
  },
  async down(knex, t) {
    await knex.schema.alterTable(t.jobs, (table) => {
      table.dropIndex(['status'], `${t.prefix}jobs_status`);
      table.index(['status', 'last_telemetry_at'], `${t.prefix}jobs_status_telemetry`);
      table.dropColumn('row_version');
    });
  },
};
