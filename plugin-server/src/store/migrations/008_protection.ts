import type { Knex } from 'knex';
import { collateTextExactly, exactCollation, isMysql } from '../dialect.js';
import type { Tables } from '../tables.js';
import type { Migration } from './index.js';

/** Width of one `job_outcome_buckets` row: fleet windows (24 h / 7 d / 30 d) count to these 10 minutes. */
export const OUTCOME_BUCKET_MS = 600_000;
/** How far back the migration fills the buckets from existing jobs: the longest window plus a day. */
const BACKFILL_MS = 31 * 24 * 3600_000;
const INSERT_CHUNK = 500;

async function backfillBuckets(knex: Knex, t: Tables, sinceMs: number): Promise<void> {
  // A plain grouped read (no row locks on InnoDB), then the few thousand bucket rows inserted.
  const rows = await knex(t.jobs)
    .select(knex.raw('FLOOR(completed_at / ?) * ? AS bucket_start', [OUTCOME_BUCKET_MS, OUTCOME_BUCKET_MS]), 'job_type', 'status')
    .count({ job_count: '*' })
    .sum({ bytes_sum: 'bytes_transferred' })
    .whereIn('status', ['completed', 'failed', 'cancelled'])
    .where('completed_at', '>=', sinceMs)
    .groupBy('bucket_start', 'job_type', 'status');
  const out = rows.map((r: Record<string, unknown>) => ({
    bucket_start: Number(r.bucket_start), job_type: String(r.job_type), status: String(r.status),
    job_count: Number(r.job_count), bytes_sum: Number(r.bytes_sum ?? 0),
  }));
  for (let i = 0; i < out.length; i += INSERT_CHUNK) await knex(t.outcomeBuckets).insert(out.slice(i, i + INSERT_CHUNK));
}

/**
 * Fleet protection (README, "Fleet protection"):
 * - `machine_policies`: a VM's own RPO policy (absent: the plugin's default applies). `rpo_hours`
 *   null means not monitored. With a cron `schedule`, `next_expected_at` is the first scheduled run
 *   after `schedule_basis_at` (the VM's newest success, or its first sighting), computed by the
 *   detector whenever the basis moves.
 * - `machine_summaries.protection_state`: the status the at-risk sweep last recorded for the VM, so
 *   that `machine:at_risk` and `machine:protected` go out once per change whatever the number of
 *   instances (a conditional UPDATE from the old state decides which instance reports it).
 * - `job_outcome_buckets`: jobs ended per 10 minutes, job type and outcome, kept in the transactions
 *   that end jobs, for the fleet summary's 24 h / 7 d / 30 d windows and the metrics. Filled from the
 *   last 31 days of existing jobs.
 */
export const protection: Migration = {
  name: '008_protection',
  async up(knex, t) {
    const collation = isMysql(knex) ? await exactCollation(knex) : null;
    const identity = (c: Knex.ColumnBuilder) => (collation ? c.collate(collation) : c);
    await knex.schema.createTable(t.policies, (table) => {
      identity(table.string('vm_name', 255).notNullable()).primary();
      table.double('rpo_hours').nullable().comment('null: not monitored');
      table.integer('grace_minutes').notNullable();
      table.string('schedule_cron', 100).nullable();
      table.string('schedule_tz', 64).nullable();
      table.bigInteger('schedule_basis_at').nullable().comment('epoch ms the next run was computed after');
      table.bigInteger('next_expected_at').nullable().comment('epoch ms: first scheduled run after the basis');
      table.bigInteger('updated_at').notNullable();
      if (collation) table.charset('utf8mb4');
    });
    await collateTextExactly(knex, t.policies);
    await knex.schema.alterTable(t.machineSummaries, (table) => {
      table.string('protection_state', 16).nullable().comment('status the at-risk sweep last recorded');
      table.bigInteger('protection_changed_at').nullable();
      table.index(['last_success_at'], `${t.prefix}machine_summaries_last_success`);
      table.index(['last_started_at'], `${t.prefix}machine_summaries_last_started`);
    });
    await knex.schema.createTable(t.outcomeBuckets, (table) => {
      table.bigInteger('bucket_start').notNullable().comment('epoch ms, a multiple of 10 minutes');
      table.string('job_type', 16).notNullable();
      table.string('status', 16).notNullable();
      table.integer('job_count').notNullable().defaultTo(0);
      table.bigInteger('bytes_sum').notNullable().defaultTo(0);
      table.primary(['bucket_start', 'job_type', 'status'], `${t.prefix}outcome_buckets_pk`);
    });
    await backfillBuckets(knex, t, Date.now() - BACKFILL_MS);
  },
  async down(knex, t) {
    await knex.schema.dropTableIfExists(t.outcomeBuckets);
    await knex.schema.alterTable(t.machineSummaries, (table) => {
      table.dropIndex(['last_success_at'], `${t.prefix}machine_summaries_last_success`);
      table.dropIndex(['last_started_at'], `${t.prefix}machine_summaries_last_started`);
    });
    await knex.schema.alterTable(t.machineSummaries, (table) => {
      table.dropColumn('protection_state');
      table.dropColumn('protection_changed_at');
    });
    await knex.schema.dropTableIfExists(t.policies);
  },
};
