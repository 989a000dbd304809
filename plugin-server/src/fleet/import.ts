import { randomUUID } from 'node:crypto';
import {
  invalid, LIMITS, TelemetryError, validateRegisterJob, wellFormed,
  type BackupType, type JobType, type MachineInfo, type PerformanceMetrics,
} from '@backup-telemetry/contract';
import type { Knex } from 'knex';
import { isMysql } from '../store/dialect.js';
import type { Store } from '../store/index.js';
import type { JobRow } from '../store/rows.js';
import type { EndedStatus } from './summary.js';
import { summaryStatements } from './summary-sql.js';

/**
 * History import: ended jobs from another tool (or a simulator) written straight to the database,
 * beyond the API's 7-day window, and added to the machine summaries by the same statements that
 * record a job ending through the API (`summaryStatements(…, 'ended')`), so stats, summaries and
 * outcome buckets are exactly what the same jobs registered and ended through the API would give.
 */

/** One ended job to import. Times are epoch milliseconds. */
export interface ImportJob {
  /** Kept when given (an existing id is skipped: re-running an import is safe); a UUID otherwise. */
  id?: string;
  vm_name: string;
  repository_id: string;
  backup_type: BackupType;
  /** Default `backup`. */
  job_type?: JobType;
  status: EndedStatus;
  started_at: number;
  completed_at: number;
  bytes_transferred: number;
  /** Default `bytes_transferred`. */
  total_bytes?: number;
  error_message?: string | null;
  /** The VM's facts; the newest job's given facts replace the stored ones, as a registration's do. */
  machine?: MachineInfo;
  /** A rolled-up chart, as `GET /backups/:id` returns it. */
  performance_metrics?: PerformanceMetrics | null;
}

export interface ImportProgress {
  /** Jobs looked at so far (imported + skipped), of `total`. */
  done: number;
  total: number;
  imported: number;
  skipped: number;
}

export interface ImportOptions {
  /** Jobs per transaction, 1–1000. Default 500. */
  batchSize?: number;
  /** Called after each committed batch. */
  onProgress?(progress: ImportProgress): void;
}

export interface ImportResult {
  imported: number;
  /** Jobs whose id already existed (or appeared earlier in the same import): left as they are. */
  skipped: number;
}

export const DEFAULT_IMPORT_BATCH_SIZE = 500;
const ENDED: readonly EndedStatus[] = ['completed', 'failed', 'cancelled'];

type Input = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Input => v !== null && typeof v === 'object' && !Array.isArray(v)
  && [Object.prototype, null].includes(Object.getPrototypeOf(v));
const own = (obj: Input, key: string): unknown => (Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined);

function wholeNumber(obj: Input, key: string, field: string, required: boolean): number | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) {
    if (required) throw invalid(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(field, 'must be a whole number ≥ 0');
  return value;
}

/** Re-throws a validation error of the registration validator with the job's path in front of its field. */
function prefixed<T>(prefix: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof TelemetryError) || error.field === undefined) throw error;
    const field = `${prefix}.${error.field}`;
    throw new TelemetryError(error.code, `${prefix}.${error.message}`, { field });
  }
}

function validateMetrics(value: unknown, field: string): PerformanceMetrics | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) throw invalid(field, 'must be an object');
  for (const key of ['chart_data', 'phases']) {
    if (!Array.isArray(own(value, key))) throw invalid(`${field}.${key}`, 'must be an array');
  }
  (value.chart_data as unknown[]).forEach((p, i) => {
    const at = `${field}.chart_data[${i}]`;
    if (!isPlainObject(p)) throw invalid(at, 'must be an object');
    for (const k of ['t', 's', 'p']) if (typeof own(p, k) !== 'number' || !Number.isFinite(p[k])) throw invalid(`${at}.${k}`, 'must be a number');
    if (typeof own(p, 'phase') !== 'string') throw invalid(`${at}.phase`, 'must be a string');
  });
  return JSON.parse(JSON.stringify(value)) as PerformanceMetrics;
}

/** Checks one job and turns it into the row the API would have stored for it once ended. */
export function importedJobRow(raw: unknown, index: number, nowMs: number): { row: JobRow; machine: MachineInfo | undefined } {
  const at = `jobs[${index}]`;
  if (!isPlainObject(raw)) throw invalid(at, 'must be an object');
  // Identity and machine facts are checked exactly as a registration checks them.
  const identity = prefixed(at, () => validateRegisterJob(Object.fromEntries(
    ['id', 'vm_name', 'repository_id', 'backup_type', 'job_type', 'machine'].filter((k) => own(raw, k) !== undefined).map((k) => [k, raw[k]]),
  ), nowMs));
  const status = own(raw, 'status');
  if (typeof status !== 'string' || !(ENDED as readonly string[]).includes(status)) throw invalid(`${at}.status`, `must be one of ${ENDED.join(', ')}`);
  const started = wholeNumber(raw, 'started_at', `${at}.started_at`, true)!;
  const completed = wholeNumber(raw, 'completed_at', `${at}.completed_at`, true)!;
  if (completed < started) throw invalid(`${at}.completed_at`, 'must not be before started_at');
  if (completed > nowMs + LIMITS.maxFutureSkewMs) throw invalid(`${at}.completed_at`, 'is more than 5 minutes in the future');
  const bytes = wholeNumber(raw, 'bytes_transferred', `${at}.bytes_transferred`, true)!;
  const total = wholeNumber(raw, 'total_bytes', `${at}.total_bytes`, false) ?? bytes;
  const error = own(raw, 'error_message');
  if (error !== undefined && error !== null && typeof error !== 'string') throw invalid(`${at}.error_message`, 'must be a string');
  if (typeof error === 'string' && error.length > LIMITS.maxErrorLength) throw invalid(`${at}.error_message`, `must be at most ${LIMITS.maxErrorLength} characters`);
  const metrics = validateMetrics(own(raw, 'performance_metrics'), `${at}.performance_metrics`);
  const row: JobRow = {
    id: identity.id ?? randomUUID(),
    job_type: identity.job_type ?? 'backup',
    vm_name: identity.vm_name,
    vm_context_id: null,
    anomalies: null,
    log_count: 0,
    warnings_count: 0,
    repository_id: identity.repository_id,
    backup_type: identity.backup_type,
    status: status as EndedStatus,
    repository_path: null,
    bytes_transferred: bytes,
    total_bytes: total,
    current_phase: null,
    transfer_speed_bps: 0,
    eta_seconds: null,
    progress_percent: status === 'completed' ? 100 : total > 0 ? Math.min(100, Math.round((bytes / total) * 1000) / 10) : 0,
    last_telemetry_at: completed,
    last_update_at: completed,
    last_snapshot_at: null,
    snapshot_count: 0,
    row_version: 0,
    clock_offset_ms: null,
    stale_warned_at: null,
    error_message: typeof error === 'string' ? wellFormed(error) : null,
    details: null,
    performance_metrics: metrics,
    // The job is as if registered when it started (the API's created_at is its registration).
    created_at: started,
    started_at: started,
    completed_at: completed,
  };
  return { row, machine: identity.machine };
}

/**
 * Imports ended jobs: every job is checked first (a bad one throws a 400 TelemetryError naming it,
 * `jobs[3].completed_at`, and nothing is written), then batches are written one transaction each:
 * the summaries' statements, the job rows, their VMs. Jobs whose id exists are skipped and counted.
 */
export async function importJobs(store: Store, jobs: readonly unknown[], nowMs: number, options: ImportOptions = {}): Promise<ImportResult> {
  if (!Array.isArray(jobs)) throw invalid('jobs', 'must be an array');
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  // 1,000 rows of 28 columns stay under SQLite's 32,766 variables per statement.
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new Error('batchSize must be a whole number from 1 to 1000');
  const checked = jobs.map((job, i) => importedJobRow(job, i, nowMs));
  const seen = new Set<string>();
  const result: ImportResult = { imported: 0, skipped: 0 };
  for (let start = 0; start < checked.length; start += batchSize) {
    const batch = checked.slice(start, start + batchSize);
    await store.transaction(async (trx) => {
      const ids = batch.map((j) => j.row.id);
      const existing = new Set((await trx(store.tables.jobs).whereIn('id', ids).pluck('id')).map(String));
      const fresh = batch.filter(({ row }) => {
        if (existing.has(row.id) || seen.has(row.id)) return false;
        seen.add(row.id);
        return true;
      });
      result.skipped += batch.length - fresh.length;
      if (fresh.length === 0) return;
      const rows = fresh.map((j) => j.row);
      // Summaries first, as the ingest commits an end: a success's recount of later failures must
      // not see failures of this batch the summary is about to count.
      await recordEnded(store, trx, rows);
      await store.jobs.saveJobs(trx, rows, []);
      await store.machines.upsertMany(trx, [...newestFacts(fresh)].map(([vm_name, { machine, at }]) => ({ vm_name, info: machine, at })));
      result.imported += rows.length;
    });
    options.onProgress?.({ done: Math.min(start + batchSize, checked.length), total: checked.length, ...result });
  }
  return result;
}

/** Summary statements sent per round trip where the connection takes several (MySQL's `multipleStatements`). */
const STATEMENTS_PER_ROUND_TRIP = 400;

/**
 * The summaries' `recordEnded`, with the same statements sent several per round trip on MySQL when
 * the connection allows it (the plugin's own connections do, as the ingest's): a month of a fleet's
 * history is 4 statements per job.
 */
async function recordEnded(store: Store, trx: Knex.Transaction, rows: JobRow[]): Promise<void> {
  const connection = store.knex.client.config.connection as { multipleStatements?: boolean } | undefined;
  if (!isMysql(store.knex) || connection?.multipleStatements !== true) return store.summaries.recordEnded(trx, rows);
  const statements = summaryStatements(store.tables, rows, 'ended', true);
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_ROUND_TRIP) {
    const chunk = statements.slice(i, i + STATEMENTS_PER_ROUND_TRIP);
    await trx.raw(chunk.map((st) => st.sql).join(';\n'), chunk.flatMap((st) => st.bindings));
  }
}

/** Per VM of a batch: the facts given with its newest job (undefined: keep the stored ones) and that job's start. */
function newestFacts(batch: readonly { row: JobRow; machine: MachineInfo | undefined }[]): Map<string, { machine: MachineInfo | undefined; at: number }> {
  const out = new Map<string, { machine: MachineInfo | undefined; at: number }>();
  for (const { row, machine } of batch) {
    const known = out.get(row.vm_name);
    if (!known || row.started_at! >= known.at) out.set(row.vm_name, { machine: machine ?? known?.machine, at: row.started_at! });
  }
  return out;
}
