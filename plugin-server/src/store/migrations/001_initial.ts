import type { Knex } from 'knex';
import type { Tables } from '../tables.js';
import type { Migration } from './index.js';

/**
 * Snapshots are written a few at a time and read and deleted a whole job at a time, so the table is
 * keyed by (job_id, timestamp) with no other index: on MySQL a job's rows sit together in the
 * clustered index, and reading a job's chart or deleting its rows when it ends is one range (measured
 * with ten jobs' rows interleaved: the ending transaction takes 40 % of the time it took with an
 * auto-increment key and a (job_id, timestamp) index). The ingest keeps a job's snapshot times
 * strictly increasing.
 */
async function createSnapshotsTable(knex: Knex, t: Tables): Promise<void> {
  await knex.schema.createTable(t.snapshots, (table) => {
    table.string('job_id', 64).notNullable();
    table.string('job_type', 16).notNullable();
    table.bigInteger('timestamp').notNullable();
    table.bigInteger('bytes_transferred').notNullable().defaultTo(0);
    table.bigInteger('total_bytes').notNullable().defaultTo(0);
    table.double('transfer_speed_bps').notNullable().defaultTo(0);
    table.double('progress_percent').notNullable().defaultTo(0);
    table.string('current_phase', 64).nullable();
    table.primary(['job_id', 'timestamp'], `${t.prefix}snapshots_pk`);
  });
}

/** One row per disk of a job (until migration 004 moved a job's disks onto its row). */
export async function createDisksTable(knex: Knex, t: Tables): Promise<void> {
  await knex.schema.createTable(t.disks, (table) => {
    table.string('backup_job_id', 64).notNullable().references('id').inTable(t.jobs).onDelete('CASCADE');
    table.integer('disk_index').notNullable();
    table.bigInteger('bytes_transferred').notNullable().defaultTo(0);
    table.bigInteger('total_bytes').notNullable().defaultTo(0);
    table.string('status', 16).notNullable().defaultTo('pending');
    table.double('progress_percent').notNullable().defaultTo(0);
    table.primary(['backup_job_id', 'disk_index']);
  });
}

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
    await createDisksTable(knex, t);
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
