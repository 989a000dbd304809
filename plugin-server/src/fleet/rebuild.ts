import type { Knex } from 'knex';
import type { Tables } from '../store/tables.js';
import { summarizeByMachine, type SummarizedJob } from './summary.js';

/** VMs whose jobs one batch reads (about 500 jobs each in a long-lived fleet: ~50,000 rows a batch). */
const VMS_PER_BATCH = 100;
const INSERT_CHUNK = 500;
/** Width of one `job_outcome_buckets` row (migration 008's `OUTCOME_BUCKET_MS`). */
const OUTCOME_BUCKET_MS = 600_000;

/** The VMs after `after` in name order, at most `limit`: read from the (vm_name, repository_id, created_at) index. */
async function nextVms(knex: Knex, t: Tables, after: string | null, limit: number): Promise<string[]> {
  const q = knex(t.jobs).distinct('vm_name').orderBy('vm_name').limit(limit);
  if (after !== null) q.where('vm_name', '>', after);
  return (await q).map((r: { vm_name: unknown }) => String(r.vm_name));
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The columns `summarize` reads of every job of the VMs from `first` to `last` (one range read). */
export async function summarizedJobsOf(knex: Knex, t: Tables, first: string, last: string): Promise<SummarizedJob[]> {
  const rows = await knex(t.jobs)
    .select('id', 'job_type', 'vm_name', 'repository_id', 'status', 'created_at', 'started_at', 'completed_at', 'bytes_transferred', 'warnings_count')
    .select(knex.raw("CASE WHEN status = 'failed' THEN error_message END AS error_message"))
    .whereBetween('vm_name', [first, last]);
  return rows.map((r: Record<string, unknown>) => ({
    id: String(r.id), job_type: r.job_type as SummarizedJob['job_type'], vm_name: String(r.vm_name), repository_id: String(r.repository_id), status: r.status as SummarizedJob['status'],
    created_at: Number(r.created_at), started_at: num(r.started_at), completed_at: num(r.completed_at),
    bytes_transferred: Number(r.bytes_transferred), error_message: (r.error_message as string | null) ?? null,
    warnings_count: Number(r.warnings_count ?? 0),
  }));
}

async function insertAll(knex: Knex, table: string, rows: object[]): Promise<void> {
  // Plain inserts: batchInsert would open a nested transaction, whose savepoint MySQL's implicit DDL commit has dropped.
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await knex(table).insert(rows.slice(i, i + INSERT_CHUNK));
}

/**
 * Builds `machine_summaries` and `machine_repository_summaries` from the jobs, a batch of VMs at a
 * time (the next 100 names from the (vm_name, …) index, their jobs' few columns in one range read,
 * `summarize` in memory, 500 rows an INSERT), into empty tables: the summaries a hub would have kept
 * had it ended every one of those jobs. Plain reads take no row locks on InnoDB. Migration 007 did
 * this once with a frozen copy of the same steps; this is the current definition, for rebuilding
 * (and for bench/fleet, which fills a fleet in SQL and then summarizes it).
 */
export async function rebuildSummaries(knex: Knex, t: Tables): Promise<{ machines: number; repositories: number }> {
  let machines = 0;
  let repositories = 0;
  for (let after: string | null = null; ;) {
    const vms = await nextVms(knex, t, after, VMS_PER_BATCH);
    if (vms.length === 0) break;
    const built = summarizeByMachine(await summarizedJobsOf(knex, t, vms[0]!, vms[vms.length - 1]!));
    await insertAll(knex, t.machineSummaries, built.machines);
    await insertAll(knex, t.repositorySummaries, built.repositories);
    machines += built.machines.length;
    repositories += built.repositories.length;
    after = vms[vms.length - 1]!;
  }
  return { machines, repositories };
}

/**
 * Fills an empty `job_outcome_buckets` from the jobs ended since `sinceMs` in one grouped
 * INSERT … SELECT (what migration 008's backfill computes, without the round trip through the hub).
 */
export async function rebuildOutcomeBuckets(knex: Knex, t: Tables, sinceMs: number): Promise<number> {
  const select = knex(t.jobs)
    .select(knex.raw('FLOOR(completed_at / ?) * ? AS bucket_start', [OUTCOME_BUCKET_MS, OUTCOME_BUCKET_MS]), 'job_type', 'status')
    .count({ job_count: '*' })
    .select(knex.raw("SUM(CASE WHEN status = 'completed' AND warnings_count > 0 THEN 1 ELSE 0 END) AS warning_count"))
    .sum({ bytes_sum: 'bytes_transferred' })
    .whereIn('status', ['completed', 'failed', 'cancelled'])
    .where('completed_at', '>=', sinceMs)
    .groupBy('bucket_start', 'job_type', 'status');
  const { sql, bindings } = select.toSQL();
  await knex.raw(`INSERT INTO ?? (bucket_start, job_type, status, job_count, warning_count, bytes_sum) ${sql}`, [t.outcomeBuckets, ...bindings]);
  const [{ n }] = await knex(t.outcomeBuckets).count({ n: '*' });
  return Number(n);
}
