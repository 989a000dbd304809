import type { Migration } from './index.js';

/**
 * `backup_jobs.snapshot_count`: how many snapshot rows a job has stored, written in the same
 * transaction as the rows. The hub keeps each running job's rollup up to date in memory and trusts
 * it at the job's end only when it holds exactly that many samples; otherwise (another instance
 * took some of the job's updates, the hub restarted) it reads the snapshots back. Jobs registered
 * before this migration keep NULL, which is never trusted.
 */
export const snapshotCount: Migration = {
  name: '002_snapshot_count',
  async up(knex, t) {
    await knex.schema.alterTable(t.jobs, (table) => {
      table.integer('snapshot_count').nullable().comment('snapshot rows stored for the job; NULL = not counted (registered before counting)');
    });
  },
  async down(knex, t) {
    await knex.schema.alterTable(t.jobs, (table) => {
      table.dropColumn('snapshot_count');
    });
  },
};
