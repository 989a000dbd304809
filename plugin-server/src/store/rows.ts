import type {
  BackupJob, BackupType, DiskState, DiskStatus, JobAnomaly, JobStatus, JobType, MachineDisk, PerformanceMetrics,
} from '@backup-telemetry/contract';
import { readJson } from './dialect.js';
import { metricsFromDb } from './metrics-json.js';

/** A `backup_jobs` row as the plugin holds it in memory (timestamps in epoch ms). */
export interface JobRow {
  id: string;
  job_type: JobType;
  vm_name: string;
  vm_context_id: string | null;
  repository_id: string;
  backup_type: BackupType;
  status: JobStatus;
  repository_path: string | null;
  bytes_transferred: number;
  total_bytes: number;
  current_phase: string | null;
  transfer_speed_bps: number;
  eta_seconds: number | null;
  progress_percent: number;
  last_telemetry_at: number | null;
  last_update_at: number | null;
  last_snapshot_at: number | null;
  /** Snapshot rows stored for the job; null for a job registered before the plugin counted them. */
  snapshot_count: number | null;
  /** Bumped by every write of the row (migration 003): an ingest reuses the state it committed while this is unchanged. */
  row_version: number;
  clock_offset_ms: number | null;
  stale_warned_at: number | null;
  error_message: string | null;
  /** Session log entries ever written for the job: the newest entry's `seq` (migration 010). */
  log_count: number;
  warnings_count: number;
  details: Record<string, string | number | boolean | null> | null;
  performance_metrics: PerformanceMetrics | null;
  /** What the job's end found against its VM's history (migration 011); null: nothing found, or not judged. */
  anomalies: JobAnomaly[] | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
}

export interface DiskRow {
  backup_job_id: string;
  disk_index: number;
  bytes_transferred: number;
  total_bytes: number;
  status: DiskStatus;
  progress_percent: number;
}

export interface SnapshotRow {
  job_id: string;
  job_type: JobType;
  timestamp: number;
  bytes_transferred: number;
  total_bytes: number;
  transfer_speed_bps: number;
  progress_percent: number;
  current_phase: string | null;
  /** Stage busy percents `"s,p,n,t"` the update reported (migration 011); null: none. */
  stage_busy?: string | null;
}

export interface MachineRow {
  vm_name: string;
  cpu_count: number | null;
  memory_bytes: number | null;
  os: string | null;
  disks: MachineDisk[] | null;
  updated_at: number;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A stored job as one read of its row gives it: the job's own columns and its disks (migration 004). */
export interface StoredJob {
  job: JobRow;
  disks: DiskRow[];
}

/** A job row read in full (`SELECT *`): its columns and the disks stored on it. */
export function storedJobFromDb(raw: Record<string, unknown>): StoredJob {
  const job = jobFromDb(raw);
  return { job, disks: disksFromDb(job.id, raw.disks) };
}

/** Normalises a row read from either dialect (BIGINT may arrive as string, JSON as text). */
function jobFromDb(raw: Record<string, unknown>): JobRow {
  const { disks: _disks, ...columns } = raw; // read apart: disksFromDb
  return {
    ...(columns as unknown as JobRow),
    bytes_transferred: num(raw.bytes_transferred),
    total_bytes: num(raw.total_bytes),
    transfer_speed_bps: num(raw.transfer_speed_bps),
    eta_seconds: numOrNull(raw.eta_seconds),
    progress_percent: num(raw.progress_percent),
    last_telemetry_at: numOrNull(raw.last_telemetry_at),
    last_update_at: numOrNull(raw.last_update_at),
    last_snapshot_at: numOrNull(raw.last_snapshot_at),
    snapshot_count: numOrNull(raw.snapshot_count),
    row_version: num(raw.row_version),
    clock_offset_ms: numOrNull(raw.clock_offset_ms),
    stale_warned_at: numOrNull(raw.stale_warned_at),
    log_count: num(raw.log_count),
    warnings_count: num(raw.warnings_count),
    created_at: num(raw.created_at),
    started_at: numOrNull(raw.started_at),
    completed_at: numOrNull(raw.completed_at),
    details: readJson(raw.details),
    performance_metrics: metricsFromDb(readJson(raw.performance_metrics)),
    anomalies: readJson<JobAnomaly[]>(raw.anomalies),
  };
}

/** The disks of a job row (`backup_jobs.disks`, migration 004), in disk order. */
function disksFromDb(jobId: string, value: unknown): DiskRow[] {
  return (readJson<Record<string, unknown>[]>(value) ?? []).map((d) => diskFromDb(jobId, d)).sort((a, b) => a.disk_index - b.disk_index);
}

/** `backup_jobs.disks` for a job's disks: the API's `DiskState` list (the job id is the row's). */
export function disksToDb(disks: readonly DiskRow[]): string {
  return JSON.stringify(disks.map((d) => ({ disk_index: d.disk_index, bytes_transferred: d.bytes_transferred, total_bytes: d.total_bytes, status: d.status, progress_percent: d.progress_percent })));
}

function diskFromDb(jobId: string, raw: Record<string, unknown>): DiskRow {
  return {
    backup_job_id: jobId,
    disk_index: num(raw.disk_index),
    bytes_transferred: num(raw.bytes_transferred),
    total_bytes: num(raw.total_bytes),
    status: raw.status as DiskStatus,
    progress_percent: num(raw.progress_percent),
  };
}

export function snapshotFromDb(raw: Record<string, unknown>): SnapshotRow {
  return {
    job_id: String(raw.job_id),
    job_type: raw.job_type as JobType,
    timestamp: num(raw.timestamp),
    bytes_transferred: num(raw.bytes_transferred),
    total_bytes: num(raw.total_bytes),
    transfer_speed_bps: num(raw.transfer_speed_bps),
    progress_percent: num(raw.progress_percent),
    current_phase: (raw.current_phase as string | null) ?? null,
    stage_busy: (raw.stage_busy as string | null) ?? null,
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** When a duration starts: `started_at`, or `created_at` for legacy rows that never had one. */
export function startOf(job: Pick<JobRow, 'started_at' | 'created_at'>): number {
  return job.started_at ?? job.created_at;
}

export function durationSeconds(job: JobRow, nowMs: number): number {
  const end = job.completed_at ?? (job.status === 'running' || job.status === 'pending' ? nowMs : job.last_telemetry_at ?? nowMs);
  return Math.max(0, Math.round((end - startOf(job)) / 1000));
}

/** The API shape of a job. */
export function toBackupJob(job: JobRow, disks: readonly DiskRow[], nowMs: number, withMetrics = false): BackupJob {
  const out: BackupJob = {
    backup_id: job.id,
    job_type: job.job_type,
    type: job.backup_type,
    vm_name: job.vm_name,
    vm_context_id: job.vm_context_id,
    repository_id: job.repository_id,
    repository_path: job.repository_path,
    status: job.status,
    bytes_transferred: job.bytes_transferred,
    total_bytes: job.total_bytes,
    current_phase: job.current_phase,
    progress_percent: job.progress_percent,
    transfer_speed_bps: job.transfer_speed_bps,
    eta_seconds: job.eta_seconds,
    duration_seconds: durationSeconds(job, nowMs),
    error_message: job.error_message,
    warnings_count: job.warnings_count,
    created_at: iso(job.created_at)!,
    started_at: iso(job.started_at),
    completed_at: iso(job.completed_at),
    last_telemetry_at: iso(job.last_telemetry_at),
    details: job.details,
    anomalies: job.anomalies ?? [],
    disks: disks
      .map((d): DiskState => ({
        disk_index: d.disk_index,
        bytes_transferred: d.bytes_transferred,
        total_bytes: d.total_bytes,
        status: d.status,
        progress_percent: d.progress_percent,
      }))
      .sort((a, b) => a.disk_index - b.disk_index),
  };
  if (withMetrics) out.performance_metrics = job.performance_metrics;
  return out;
}
