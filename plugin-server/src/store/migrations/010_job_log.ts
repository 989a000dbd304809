import { collateTextExactly, exactCollation, isMysql } from '../dialect.js';
import type { Migration } from './index.js';

/**
 * Session log and outcomes with warnings (README, "Session log", "Outcomes with warnings"):
 * - `job_log_entries`: a job's bounded, ordered log (joblog/bounds.ts says how many it keeps),
 *   written and trimmed in the ingest's own transaction; keyed by (job_id, seq), so a page is a range of
 *   the primary key.
 * - `backup_jobs.log_count`: entries ever written (the newest `seq`); `warnings_count`: the client's count.
 * - `completed_with_warnings_count` on both summary tables and `warning_count` on `job_outcome_buckets`:
 *   the completed jobs among their counts that had warnings. Existing jobs had none: no backfill.
 */
export const jobLog: Migration = {
  name: '010_job_log',
  async up(knex, t) {
    const collation = isMysql(knex) ? await exactCollation(knex) : null;
    await knex.schema.createTable(t.jobLog, (table) => {
      const id = table.string('job_id', 64).notNullable();
      if (collation) id.collate(collation);
      table.integer('seq').notNullable().comment('1, 2, 3… per job');
      table.bigInteger('at').notNullable().comment('epoch ms');
      table.string('level', 8).notNullable();
      table.string('source', 8).notNullable().comment('hub or client');
      table.text('message').notNullable();
      table.primary(['job_id', 'seq'], `${t.prefix}job_log_pk`);
      if (collation) table.charset('utf8mb4');
    });
    await collateTextExactly(knex, t.jobLog);
    await knex.schema.alterTable(t.jobs, (table) => {
      table.integer('log_count').notNullable().defaultTo(0).comment('session log entries ever written: the newest seq');
      table.integer('warnings_count').notNullable().defaultTo(0);
    });
    for (const summaries of [t.machineSummaries, t.repositorySummaries]) {
      await knex.schema.alterTable(summaries, (table) => {
        table.integer('completed_with_warnings_count').notNullable().defaultTo(0).comment('of completed_count');
      });
    }
    await knex.schema.alterTable(t.outcomeBuckets, (table) => {
      table.integer('warning_count').notNullable().defaultTo(0).comment('of job_count: completed with warnings');
    });
  },
  async down(knex, t) {
    await knex.schema.alterTable(t.outcomeBuckets, (table) => table.dropColumn('warning_count'));
    for (const summaries of [t.machineSummaries, t.repositorySummaries]) {
      await knex.schema.alterTable(summaries, (table) => table.dropColumn('completed_with_warnings_count'));
    }
    await knex.schema.alterTable(t.jobs, (table) => {
      table.dropColumn('log_count');
      table.dropColumn('warnings_count');
    });
    await knex.schema.dropTableIfExists(t.jobLog);
  },
};
