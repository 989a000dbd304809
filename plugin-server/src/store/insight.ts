import type { Knex } from 'knex';
import type { JobAnomaly } from '@backup-telemetry/contract';
import type { PastJob } from '../insight/baseline.js';
import { readJson } from './dialect.js';
import { startOf, type JobRow } from './rows.js';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

/** Which history a job is compared with: its VM, job type and backup type. */
export interface HistoryKey {
  vm_name: string;
  job_type: string;
  backup_type: string;
}

/** The few columns an insight reads of a past job (never the chart JSON). */
export const HISTORY_COLUMNS = ['id', 'vm_name', 'job_type', 'backup_type', 'status', 'bytes_transferred', 'created_at', 'started_at', 'completed_at'] as const;

export const historyKeyOf = (k: HistoryKey): string => JSON.stringify([k.vm_name, k.job_type, k.backup_type]);

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function pastJobFromDb(raw: Record<string, unknown>): PastJob {
  return {
    id: String(raw.id),
    job_type: String(raw.job_type),
    backup_type: String(raw.backup_type),
    status: String(raw.status),
    bytes_transferred: Number(raw.bytes_transferred ?? 0),
    started_at: numOrNull(raw.started_at) ?? Number(raw.created_at),
    completed_at: numOrNull(raw.completed_at),
  };
}

/** A job row as the insight sees it. */
export function pastJobOf(job: JobRow): PastJob {
  return {
    id: job.id, job_type: job.job_type, backup_type: job.backup_type, status: job.status,
    bytes_transferred: job.bytes_transferred, started_at: startOf(job), completed_at: job.completed_at,
  };
}

/** A recent ended job of a VM with what its end found. */
export interface FlaggedRow extends PastJob {
  anomalies: JobAnomaly[] | null;
}

/**
 * The VM's last `limit` completed jobs of each key's job and backup type, newest first: one
 * `(SELECT … ORDER BY completed_at DESC LIMIT n)` per key, each a short range of the
 * (vm_name, job_type, backup_type, completed_at) index (migration 011), sent as one statement.
 */
export function completedHistoryQuery(db: Db, tables: Tables, keys: readonly HistoryKey[], limit: number): Knex.QueryBuilder {
  const one = (k: HistoryKey) => db(tables.jobs).select(...HISTORY_COLUMNS)
    .where({ vm_name: k.vm_name, job_type: k.job_type, backup_type: k.backup_type, status: 'completed' })
    .whereNotNull('completed_at').orderBy('completed_at', 'desc').limit(limit);
  const [first, ...rest] = keys;
  const q = db.select('*').from(one(first!).as('h0'));
  rest.forEach((k, i) => q.unionAll((u) => u.select('*').from(one(k).as(`h${i + 1}`))));
  return q;
}

/** Rows of `completedHistoryQuery` grouped by key (every key listed, newest first). */
export function groupHistory(keys: readonly HistoryKey[], rows: readonly Record<string, unknown>[]): Map<string, PastJob[]> {
  const out = new Map<string, PastJob[]>(keys.map((k) => [historyKeyOf(k), []]));
  for (const raw of rows) {
    out.get(historyKeyOf({ vm_name: String(raw.vm_name), job_type: String(raw.job_type), backup_type: String(raw.backup_type) }))?.push(pastJobFromDb(raw));
  }
  for (const list of out.values()) list.sort((a, b) => b.completed_at! - a.completed_at!);
  return out;
}

export function insightQueries(tables: Tables) {
  return {
    async completedHistory(db: Db, keys: readonly HistoryKey[], limit: number): Promise<Map<string, PastJob[]>> {
      if (keys.length === 0) return new Map();
      return groupHistory(keys, await completedHistoryQuery(db, tables, keys, limit));
    },

    /** The VM's last `limit` ended jobs of one job type (any backup type), newest first, with their anomalies. */
    async recentEnded(db: Db, vmName: string, jobType: string, limit: number): Promise<FlaggedRow[]> {
      const rows = await db(tables.jobs).select(...HISTORY_COLUMNS, 'anomalies')
        .where({ vm_name: vmName, job_type: jobType }).whereIn('status', ['completed', 'failed', 'cancelled'])
        .whereNotNull('completed_at').orderBy('completed_at', 'desc').limit(limit);
      return rows.map((raw: Record<string, unknown>) => ({ ...pastJobFromDb(raw), anomalies: readJson<JobAnomaly[]>(raw.anomalies) }));
    },
  };
}

export type InsightQueries = ReturnType<typeof insightQueries>;
