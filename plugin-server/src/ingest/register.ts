import { randomUUID } from 'node:crypto';
import { TelemetryError, validateRegisterJob, type BackupJob, type ValidRegisterJob } from '@backup-telemetry/contract';
import { applyPolicy, checkSchedule } from '../protection/policy.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import type { Store } from '../store/index.js';
import { toBackupJob, type DiskRow, type JobRow } from '../store/rows.js';
import { appendLog, hubEntry, registeredMessage } from '../joblog/entries.js';
import { sumBytes } from './apply.js';

export interface RegisterResult {
  job: BackupJob;
  /** False when a job with the same id, VM and repository already existed (a retried registration). */
  created: boolean;
}

function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT');
}

/**
 * Registers a job (`POST /backups`): the job row, its disks, its VM and its log's first entry, in one transaction; with
 * `protection`, the VM's policy is replaced in that same transaction (`defaults` fills what it omits).
 */
export async function registerJob(
  store: Store, body: unknown, nowMs: number, authorize: (request: ValidRegisterJob) => Promise<void>, defaults: DefaultPolicy,
): Promise<RegisterResult> {
  const request = validateRegisterJob(body, nowMs);
  if (request.protection) checkSchedule(request.protection, 'protection');
  await authorize(request);
  const id = request.id ?? randomUUID();
  const jobType = request.job_type ?? 'backup';

  const existing = async (): Promise<RegisterResult> => {
    const stored = await store.jobs.findJob(store.knex, id);
    if (!stored) throw new TelemetryError('internal_error', `job ${id} could not be registered`);
    const { job, disks } = stored;
    if (job.vm_name !== request.vm_name || job.repository_id !== request.repository_id || job.job_type !== jobType) {
      throw new TelemetryError('job_exists', `a different job with id ${id} already exists`, { field: 'id' });
    }
    return { job: toBackupJob(job, disks, nowMs, true), created: false };
  };

  if (request.id !== undefined && (await store.jobs.findJob(store.knex, id))) return existing();

  const job: JobRow = {
    id,
    job_type: jobType,
    vm_name: request.vm_name,
    vm_context_id: request.vm_context_id ?? null,
    repository_id: request.repository_id,
    backup_type: request.backup_type,
    status: 'pending',
    repository_path: request.repository_path ?? null,
    bytes_transferred: 0,
    total_bytes: sumBytes((request.disks ?? []).map((d) => d.total_bytes ?? 0)),
    current_phase: null,
    transfer_speed_bps: 0,
    eta_seconds: null,
    progress_percent: 0,
    last_telemetry_at: null,
    last_update_at: null,
    last_snapshot_at: null,
    snapshot_count: 0,
    row_version: 0,
    // A backdated job lives on its client's clock: its start came from there.
    clock_offset_ms: request.started_at_ms === undefined ? null : 0,
    stale_warned_at: null,
    error_message: null,
    log_count: 0,
    warnings_count: 0,
    details: null,
    performance_metrics: null,
    anomalies: null,
    created_at: nowMs,
    started_at: request.started_at_ms ?? nowMs,
    completed_at: null,
  };
  const disks: DiskRow[] = (request.disks ?? []).map((d) => ({
    backup_job_id: id, disk_index: d.disk_index, bytes_transferred: 0, total_bytes: d.total_bytes ?? 0, status: 'pending', progress_percent: 0,
  }));
  const log = appendLog(job, [hubEntry(nowMs, 'info', registeredMessage(job))]);
  try {
    await store.transaction(async (trx) => {
      await store.jobs.insertJob(trx, job, disks);
      await store.jobLog.write(trx, log);
      await store.summaries.recordRegistered(trx, job);
      await store.machines.upsert(trx, request.vm_name, request.machine, nowMs);
      if (request.protection) await applyPolicy(store, trx, request.vm_name, request.protection, defaults, nowMs);
    });
  } catch (error) {
    if (isDuplicateKey(error)) return existing();
    throw error;
  }
  return { job: toBackupJob(job, disks, nowMs, true), created: true };
}
