import type { Knex } from 'knex';
import type { Tables } from '../store/tables.js';
import { emptySummary, type MachineSummary, type RepositorySummary, type SummarizedJob, type SummaryCounts } from './summary.js';
import { summaryStatements } from './summary-sql.js';

type Db = Knex | Knex.Transaction;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

function countsFromDb(raw: Record<string, unknown>): SummaryCounts {
  const out = emptySummary(Number(raw.first_seen_at));
  for (const key of Object.keys(out) as (keyof SummaryCounts)[]) {
    if (key === 'first_seen_at') continue;
    const value = raw[key];
    (out as unknown as Record<string, unknown>)[key] = typeof out[key] === 'number' ? Number(value)
      : /_(job_id|error|status)$/.test(key) ? text(value) : num(value);
  }
  return out;
}

export interface StatsFilter {
  vm_name?: string;
  repository_id?: string;
}

/** Sums of the summaries in scope, with the running and pending jobs counted on `backup_jobs`' status index. */
export interface SummaryStats {
  byStatus: { status: string; count: number }[];
  completedWithWarnings: number;
  completedBytesSum: number;
  completedDurationMsSum: number;
  lastStartedAt: number | null;
}

/** The summaries' queries: written in the job's own transaction, read by stats and fleet views. */
export function summaryQueries(tables: Tables, mysql: boolean) {
  const run = async (trx: Knex.Transaction, jobs: readonly SummarizedJob[], mode: 'registered' | 'ended') => {
    for (const s of summaryStatements(tables, jobs, mode, mysql)) await trx.raw(s.sql, s.bindings);
  };
  return {
    /** Adds a newly registered job to its VM's summaries (after its row is inserted). */
    recordRegistered: (trx: Knex.Transaction, job: SummarizedJob) => run(trx, [job], 'registered'),
    /** Adds jobs that just ended (written with their final status) to their summaries. */
    recordEnded: (trx: Knex.Transaction, jobs: readonly SummarizedJob[]) => (jobs.length ? run(trx, jobs, 'ended') : undefined),

    async ofMachine(db: Db, vmName: string): Promise<MachineSummary | null> {
      const raw = await db(tables.machineSummaries).where({ vm_name: vmName }).first();
      return raw ? { vm_name: String(raw.vm_name), ...countsFromDb(raw) } : null;
    },

    async all(db: Db): Promise<Map<string, MachineSummary>> {
      const rows = await db(tables.machineSummaries).select('*');
      return new Map(rows.map((raw: Record<string, unknown>) => [String(raw.vm_name), { vm_name: String(raw.vm_name), ...countsFromDb(raw) }]));
    },

    async ofRepositories(db: Db, vmName: string): Promise<RepositorySummary[]> {
      const rows = await db(tables.repositorySummaries).where({ vm_name: vmName }).orderBy('repository_id');
      return rows.map((raw: Record<string, unknown>) => ({ vm_name: String(raw.vm_name), repository_id: String(raw.repository_id), ...countsFromDb(raw) }));
    },

    /**
     * Stats of the fleet, a VM, a repository or both: sums over the summary rows in scope (all VMs'
     * rows without a filter, one VM's row or range of rows otherwise), plus the jobs still pending or
     * running, read from the status index (those change with every update, so no summary keeps them).
     */
    async stats(db: Db, filter: StatsFilter): Promise<SummaryStats> {
      const table = filter.repository_id === undefined ? tables.machineSummaries : tables.repositorySummaries;
      const scoped = <T extends Knex.QueryBuilder>(q: T): T => {
        if (filter.vm_name !== undefined) q.where('vm_name', filter.vm_name);
        if (filter.repository_id !== undefined) q.where('repository_id', filter.repository_id);
        return q;
      };
      const sums = await scoped(db(table)
        .sum({ completed: 'completed_count', failed: 'failed_count', cancelled: 'cancelled_count', warnings: 'completed_with_warnings_count', bytes: 'completed_bytes_sum', duration: 'completed_duration_ms_sum' })
        .max({ last: 'last_started_at' })).first();
      const active = await scoped(db(tables.jobs).select('status').count({ n: '*' }).whereIn('status', ['pending', 'running']).groupBy('status'));
      return {
        byStatus: [
          ...(['completed', 'failed', 'cancelled'] as const).map((status) => ({ status, count: Number(sums?.[status] ?? 0) })),
          ...(active as { status: string; n: unknown }[]).map((r) => ({ status: String(r.status), count: Number(r.n) })),
        ],
        completedWithWarnings: Number(sums?.warnings ?? 0),
        completedBytesSum: Number(sums?.bytes ?? 0),
        completedDurationMsSum: Number(sums?.duration ?? 0),
        lastStartedAt: num(sums?.last),
      };
    },
  };
}

export type SummaryQueries = ReturnType<typeof summaryQueries>;
