import type { Knex } from 'knex';
import { collateTextExactly, exactCollation, isMysql } from '../dialect.js';
import type { Tables } from '../tables.js';
import { summarizeByMachine007, type Job007 } from './007_summarize.js';
import type { Migration } from './index.js';

/** VMs whose jobs one batch reads (about 500 jobs each in a long-lived fleet: ~50,000 rows a batch). */
const VMS_PER_BATCH = 100;
const INSERT_CHUNK = 500;

/** The columns both summary tables share (fleet/summary.ts `SummaryCounts` says what each means). */
function summaryColumns(table: Knex.CreateTableBuilder, identity: (column: Knex.ColumnBuilder) => Knex.ColumnBuilder): void {
  table.bigInteger('first_seen_at').notNullable().comment('epoch ms: first job registered');
  identity(table.string('last_job_id', 64).nullable());
  table.bigInteger('last_job_at').nullable().comment('created_at of last_job_id');
  table.bigInteger('last_started_at').nullable().comment('newest COALESCE(started_at, created_at)');
  for (const status of ['completed', 'failed', 'cancelled']) table.integer(`${status}_count`).notNullable().defaultTo(0);
  table.bigInteger('completed_bytes_sum').notNullable().defaultTo(0);
  table.bigInteger('completed_duration_ms_sum').notNullable().defaultTo(0);
  identity(table.string('last_success_job_id', 64).nullable());
  table.bigInteger('last_success_at').nullable();
  table.bigInteger('last_success_bytes').nullable();
  identity(table.string('last_failure_job_id', 64).nullable());
  table.bigInteger('last_failure_at').nullable();
  table.text('last_failure_error').nullable();
  identity(table.string('last_ended_job_id', 64).nullable());
  table.bigInteger('last_ended_at').nullable();
  table.string('last_ended_status', 16).nullable();
  table.integer('consecutive_failures').notNullable().defaultTo(0).comment('failed jobs ended after the last success');
}

/** The VMs after `after` in name order, at most `limit`: read from the (vm_name, repository_id, created_at) index. */
async function nextVms(knex: Knex, t: Tables, after: string | null, limit: number): Promise<string[]> {
  const q = knex(t.jobs).distinct('vm_name').orderBy('vm_name').limit(limit);
  if (after !== null) q.where('vm_name', '>', after);
  return (await q).map((r: { vm_name: unknown }) => String(r.vm_name));
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

async function jobsOf(knex: Knex, t: Tables, first: string, last: string): Promise<Job007[]> {
  const rows = await knex(t.jobs)
    .select('id', 'vm_name', 'repository_id', 'status', 'created_at', 'started_at', 'completed_at', 'bytes_transferred')
    .select(knex.raw("CASE WHEN status = 'failed' THEN error_message END AS error_message"))
    .whereBetween('vm_name', [first, last]);
  return rows.map((r: Record<string, unknown>) => ({
    id: String(r.id), vm_name: String(r.vm_name), repository_id: String(r.repository_id), status: String(r.status),
    created_at: Number(r.created_at), started_at: num(r.started_at), completed_at: num(r.completed_at),
    bytes_transferred: Number(r.bytes_transferred), error_message: (r.error_message as string | null) ?? null,
  }));
}

async function insertAll(knex: Knex, table: string, rows: object[]): Promise<void> {
  // Plain inserts: batchInsert would open a nested transaction, whose savepoint MySQL's implicit DDL commit has dropped.
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await knex(table).insert(rows.slice(i, i + INSERT_CHUNK));
}

/**
 * `machine_summaries` (per VM) and `machine_repository_summaries` (per VM and repository): counts by
 * outcome, the last job, success, failure and end, consecutive failures and the sums behind averages,
 * kept by the transactions that register and end jobs (fleet/summary-sql.ts), so fleet reads and
 * `GET /backups/stats` never scan `backup_jobs`. Two tables rather than one per (VM, repository) with
 * per-VM sums at read time: a fleet of 10,000 VMs is paged and sorted by per-VM values (last success,
 * protection), which needs them on one indexed row, and a VM's consecutive failures across its
 * repositories cannot be summed from per-repository rows. Existing jobs are summarized a batch of
 * VMs at a time: the next 100 names from the (vm_name, …) index, then their jobs' few columns in one
 * range read (plain reads: InnoDB takes no row locks), summed in memory (007_summarize.ts: a frozen
 * copy of fleet/summary.ts `summarize` as 007 shipped, so this migration builds the same rows
 * whatever the live definition becomes; fleet/rebuild.ts `rebuildSummaries` is the live twin),
 * inserted 500 rows a statement. Identity
 * columns compare exactly (005's collation). Jobs ended by an instance still running an older
 * version after this ran are not counted: upgrade every instance.
 */
export const machineSummaries: Migration = {
  name: '007_machine_summaries',
  async up(knex, t) {
    const collation = isMysql(knex) ? await exactCollation(knex) : null;
    const identity = (c: Knex.ColumnBuilder) => (collation ? c.collate(collation) : c);
    await knex.schema.createTable(t.machineSummaries, (table) => {
      identity(table.string('vm_name', 255).notNullable()).primary();
      summaryColumns(table, identity);
      if (collation) table.charset('utf8mb4');
    });
    await collateTextExactly(knex, t.machineSummaries);
    await knex.schema.createTable(t.repositorySummaries, (table) => {
      identity(table.string('vm_name', 255).notNullable());
      identity(table.string('repository_id', 255).notNullable());
      summaryColumns(table, identity);
      table.primary(['vm_name', 'repository_id'], `${t.prefix}repo_summaries_pk`);
      table.index(['repository_id'], `${t.prefix}repo_summaries_repository`);
      if (collation) table.charset('utf8mb4');
    });
    await collateTextExactly(knex, t.repositorySummaries);
    for (let after: string | null = null; ;) {
      const vms = await nextVms(knex, t, after, VMS_PER_BATCH);
      if (vms.length === 0) break;
      const { machines, repositories } = summarizeByMachine007(await jobsOf(knex, t, vms[0]!, vms[vms.length - 1]!));
      await insertAll(knex, t.machineSummaries, machines);
      await insertAll(knex, t.repositorySummaries, repositories);
      after = vms[vms.length - 1]!;
    }
  },
  async down(knex, t) {
    await knex.schema.dropTableIfExists(t.repositorySummaries);
    await knex.schema.dropTableIfExists(t.machineSummaries);
  },
};
