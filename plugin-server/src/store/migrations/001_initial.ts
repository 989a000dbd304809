import type { Knex } from 'knex';
import { isMysql } from '../dialect.js';
import type { Tables } from '../tables.js';
import type { Migration } from './index.js';

/**
 * Snapshots are written a few at a time and read and deleted a whole job at a time. On MySQL the
 * table is clustered by (job_id, timestamp, id), so a job's rows sit together: reading a job's chart
 * and deleting its rows when it ends are range operations (measured: both take half the time of the
 * id-clustered layout). SQLite keeps its rowid table with an index on (job_id, timestamp).
 */
async function createSnapshotsTable(knex: Knex, t: Tables): Promise<void> {
  if (isMysql(knex)) {
    await knex.raw(`CREATE TABLE ?? (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      job_id VARCHAR(64) NOT NULL,
      job_type VARCHAR(16) NOT NULL,
      timestamp BIGINT NOT NULL,
      bytes_transferred BIGINT NOT NULL DEFAULT 0,
      total_bytes BIGINT NOT NULL DEFAULT 0,
      transfer_speed_bps DOUBLE NOT NULL DEFAULT 0,
      progress_percent DOUBLE NOT NULL DEFAULT 0,
      current_phase VARCHAR(64) NULL,
      PRIMARY KEY (job_id, timestamp, id),
      KEY ?? (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`, [t.snapshots, `${t.prefix}snapshots_id`]);
    return;
  }
  await knex.schema.createTable(t.snapshots, (table) => {
    table.bigIncrements('id').primary();
    table.string('job_id', 64).notNullable();
    table.string('job_type', 16).notNullable();
    table.bigInteger('timestamp').notNullable();
    table.bigInteger('bytes_transferred').notNullable().defaultTo(0);
    table.bigInteger('total_bytes').notNullable().defaultTo(0);
    table.double('transfer_speed_bps').notNullable().defaultTo(0);
    table.double('progress_percent').notNullable().defaultTo(0);
    table.string('current_phase', 64).nullable();
    table.index(['job_id', 'timestamp'], `${t.prefix}snapshots_job_time`);
  });
}

/** Timestamps are epoch milliseconds (UTC) in BIGINT columns: one meaning on every dialect. */
export const initialSchema: Migration = {
  name: '001_initial',
  async up(knex, t) {
    await knex.schema.createTable(t.jobs, (table) => {
      table.string('id', 64).primary();
      table.string('job_type', 16).notNullable().defaultTo('backup');
      table.string('vm_name', 255).notNullable();
      table.string('vm_context_id', 255).nullable();
      table.string('repository_id', 255).notNullable();
      table.string('backup_type', 16).notNullable();
      table.string('status', 16).notNullable().defaultTo('pending');
      table.string('repository_path', 1024).nullable();
      table.bigInteger('bytes_transferred').notNullable().defaultTo(0);
      table.bigInteger('total_bytes').notNullable().defaultTo(0);
      table.string('current_phase', 64).nullable();
      table.double('transfer_speed_bps').notNullable().defaultTo(0);
      table.double('eta_seconds').nullable();
      table.double('progress_percent').notNullable().defaultTo(0);
      table.bigInteger('last_telemetry_at').nullable();
      table.bigInteger('last_update_at').nullable().comment('client timestamp of the newest applied update');
      table.bigInteger('last_snapshot_at').nullable();
      table.bigInteger('clock_offset_ms').nullable().comment('smallest (hub receive time - client timestamp) seen: maps client times onto the hub clock');
      table.bigInteger('stale_warned_at').nullable();
      table.text('error_message').nullable();
      table.json('details').nullable();
      table.json('performance_metrics').nullable();
      table.bigInteger('created_at').notNullable();
      table.bigInteger('started_at').nullable();
      table.bigInteger('completed_at').nullable();
      table.index(['vm_name', 'repository_id', 'created_at'], `${t.prefix}jobs_vm_repo_created`);
      table.index(['status', 'last_telemetry_at'], `${t.prefix}jobs_status_telemetry`);
      table.index(['created_at'], `${t.prefix}jobs_created`);
    });
    await knex.schema.createTable(t.disks, (table) => {
      table.string('backup_job_id', 64).notNullable().references('id').inTable(t.jobs).onDelete('CASCADE');
      table.integer('disk_index').notNullable();
      table.bigInteger('bytes_transferred').notNullable().defaultTo(0);
      table.bigInteger('total_bytes').notNullable().defaultTo(0);
      table.string('status', 16).notNullable().defaultTo('pending');
      table.double('progress_percent').notNullable().defaultTo(0);
      table.primary(['backup_job_id', 'disk_index']);
    });
    await createSnapshotsTable(knex, t);
    await knex.schema.createTable(t.machines, (table) => {
      table.string('vm_name', 255).primary();
      table.integer('cpu_count').nullable();
      table.bigInteger('memory_bytes').nullable();
      table.string('os', 255).nullable();
      table.json('disks').nullable();
      table.bigInteger('updated_at').notNullable();
    });
  },
  async down(knex, t) {
    await knex.schema.dropTableIfExists(t.snapshots);
    await knex.schema.dropTableIfExists(t.disks);
    await knex.schema.dropTableIfExists(t.jobs);
    await knex.schema.dropTableIfExists(t.machines);
  },
};
