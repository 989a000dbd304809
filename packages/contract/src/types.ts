import type { Protection, ProtectionPolicyRequest } from './fleet.js';
import type { JobAnomaly, JobBottleneck, StageBusy } from './insight.js';

/** Kinds of job a hub tracks. */
export const JOB_TYPES = ['backup', 'replication', 'restore'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const BACKUP_TYPES = ['full', 'incremental'] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses after which a job accepts no more telemetry. */
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminalStatus(status: string): status is TerminalStatus {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * The disk statuses the hub and the components know (README, "REST API"). A disk's status is the
 * backup product's own word for what it does with that disk, so the list is open: any other short
 * lowercase token (`DISK_STATUS_PATTERN`) is stored and shown as sent, without a colour of its own.
 */
export const DISK_STATUSES = [
  'pending', 'queued', 'waiting', 'snapshotting', 'running', 'transferring', 'verifying',
  'completed', 'skipped', 'failed', 'cancelled',
] as const;
export type KnownDiskStatus = (typeof DISK_STATUSES)[number];
/** A known status, or any other token matching `DISK_STATUS_PATTERN`. */
export type DiskStatus = KnownDiskStatus | (string & {});

/** Known disk statuses after which the disk does no more work; a job's end leaves them as they are. */
export const FINAL_DISK_STATUSES = ['completed', 'skipped', 'failed', 'cancelled'] as const satisfies readonly KnownDiskStatus[];

/**
 * A well-formed disk status: 1–16 characters of lowercase letters, digits, `_` and `-`, starting with
 * a letter (16 is the width of the schema's status columns).
 */
export const DISK_STATUS_PATTERN = /^[a-z][a-z0-9_-]{0,15}$/;

export function isKnownDiskStatus(status: string): status is KnownDiskStatus {
  return (DISK_STATUSES as readonly string[]).includes(status);
}

export function isFinalDiskStatus(status: string): boolean {
  return (FINAL_DISK_STATUSES as readonly string[]).includes(status);
}

/** Severities of a job's session log entries. */
export const LOG_LEVELS = ['info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Who wrote a session log entry: the hub itself (registration, phases, staleness, the end) or the client. */
export type LogSource = 'hub' | 'client';

/** One session log line a client sends with an update (`log`). */
export interface LogEntryInput {
  level: LogLevel;
  /** At most 1,000 characters, shown as text (control characters included). */
  message: string;
  /** When it happened on the client: ISO 8601 or epoch ms, like `timestamp`. Default: the update's time. */
  at?: string | number;
}

/** A validated log line, its time normalised to epoch ms. */
export interface NormalizedLogEntry {
  level: LogLevel;
  message: string;
  at_ms?: number;
}

/** One entry of a job's session log as `GET /backups/:id/log` and `job:log` present it. */
export interface JobLogEntry {
  /** 1, 2, 3…: the entry's place in the job's log (gaps where entries were dropped). */
  seq: number;
  /** ISO 8601. */
  at: string;
  level: LogLevel;
  source: LogSource;
  message: string;
}

/** `GET /backups/:id/log`: one page of a job's session log, oldest first. */
export interface JobLogResponse {
  job_id: string;
  entries: JobLogEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  next_after: number | null;
  /** Entries ever written to the job's log (its newest `seq`). */
  total_count: number;
  /** Entries dropped by the bound (README, "Session log"): `total_count` minus those kept. */
  dropped_count: number;
}

/** Progress of one disk inside a telemetry update. */
export interface DiskProgress {
  disk_index: number;
  bytes_transferred?: number;
  total_bytes?: number;
  status?: DiskStatus;
  progress_percent?: number;
}

/**
 * One telemetry update from a backup client (`POST /telemetry/:job_type/:job_id` body, or the
 * socket `telemetry` event without its routing fields). Every field is optional: an empty update
 * is a heartbeat that only proves the client is alive.
 */
export interface TelemetryUpdate {
  job_id?: string;
  job_type?: JobType;
  status?: JobStatus;
  current_phase?: string;
  bytes_transferred?: number;
  total_bytes?: number;
  /** Bytes per second. */
  transfer_speed_bps?: number;
  eta_seconds?: number;
  progress_percent?: number;
  disks?: DiskProgress[];
  /** Error text of a failed job. */
  error?: string | null;
  /** When the client measured this state: ISO 8601 string or epoch milliseconds. */
  timestamp?: string | number;
  /** Extra facts a backup tool reports (files new/changed, data added, snapshot id). */
  details?: Record<string, string | number | boolean | null>;
  /**
   * How busy each stage of the data path was over the interval since the previous update, 0–100
   * percent each: reading the source, processing on the proxy, the network, writing the target.
   */
  bottleneck?: StageBusy;
  /**
   * Warnings so far (files that could not be read, …): the job's count is replaced by the newest
   * sent. A job that completes with a count above 0 is a success with warnings (README, "Outcomes").
   */
  warnings_count?: number;
  /** Session log lines (at most 10 per update), appended to the job's log in order. */
  log?: LogEntryInput[];
}

/** A validated update: timestamps normalised to epoch milliseconds. */
export interface NormalizedUpdate extends Omit<TelemetryUpdate, 'timestamp' | 'job_id' | 'job_type' | 'log'> {
  job_id: string;
  job_type: JobType;
  /** Client timestamp in epoch ms, or undefined when the client sent none. */
  timestamp_ms?: number;
  log?: NormalizedLogEntry[];
}

/** Body of `POST /backups`. */
export interface RegisterJobRequest {
  vm_name: string;
  repository_id: string;
  backup_type: BackupType;
  job_type?: JobType;
  id?: string;
  vm_context_id?: string;
  repository_path?: string;
  disks?: { disk_index: number; total_bytes?: number }[];
  machine?: MachineInfo;
  /**
   * When the job started, if earlier than its registration (an agent that registers late, or an import
   * of past jobs): ISO 8601 or epoch ms, at most 7 days back. The job's times then follow the client's
   * clock. Default: the hub's time of registration.
   */
  started_at?: string | number;
  /** The VM's protection policy, set (replacing its current one) with the registration. */
  protection?: ProtectionPolicyRequest;
}

/** A validated registration, its start time normalised to epoch ms. */
export type ValidRegisterJob = Omit<RegisterJobRequest, 'started_at'> & { started_at_ms?: number };

export interface MachineDisk {
  disk_index: number;
  name?: string;
  size_bytes?: number;
}

export interface MachineInfo {
  cpu_count?: number;
  memory_bytes?: number;
  os?: string;
  disks?: MachineDisk[];
}

/** One point of a speed chart, as the design documents define it. */
export interface ChartPoint {
  /** Seconds since the job started. */
  t: number;
  /** Transfer speed in bytes per second (a whole number; divide by 1024² for MiB/s). */
  s: number;
  /** Progress percent (1 decimal). */
  p: number;
  /** The phase the job was in at this point, on every point (`''` before the client named one). */
  phase: string;
  /** Busy percent of source, proxy, network and target at this point; only on points whose update carried `bottleneck`. */
  b?: [number, number, number, number];
}

/** A stretch of time a job spent in one phase. */
export interface PhaseSpan {
  phase: string;
  start_t: number;
  end_t: number;
}

/**
 * Compact chart data kept on an ended job once its snapshots are deleted.
 * Speeds named `*_bps` are bytes per second; `*_mbps` are MiB/s (1 MiB = 1,048,576 bytes).
 */
export interface PerformanceMetrics {
  duration_seconds: number;
  /** Seconds during which bytes were moving. */
  transfer_seconds: number;
  snapshots_recorded: number;
  peak_speed_bps: number;
  avg_speed_bps: number;
  min_speed_bps: number;
  peak_speed_mbps: number;
  avg_speed_mbps: number;
  bytes_transferred: number;
  chart_data: ChartPoint[];
  phases: PhaseSpan[];
  /** The job's bottleneck, present only when its updates reported stage busy percents. */
  bottleneck?: JobBottleneck;
}

export interface DiskState {
  disk_index: number;
  bytes_transferred: number;
  total_bytes: number;
  status: DiskStatus;
  progress_percent: number;
}

/** A job as the REST API and socket pushes present it. Timestamps are ISO 8601 strings. */
export interface BackupJob {
  backup_id: string;
  job_type: JobType;
  /** Backup type: full or incremental. */
  type: BackupType;
  vm_name: string;
  vm_context_id: string | null;
  repository_id: string;
  repository_path: string | null;
  status: JobStatus;
  bytes_transferred: number;
  total_bytes: number;
  current_phase: string | null;
  progress_percent: number;
  transfer_speed_bps: number;
  eta_seconds: number | null;
  duration_seconds: number;
  error_message: string | null;
  /** Warnings the client reported; a completed job with warnings is a success with warnings. */
  warnings_count: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  last_telemetry_at: string | null;
  details: Record<string, string | number | boolean | null> | null;
  /**
   * What the job's end found against its VM's own history (README, "Job insight"): empty while it
   * runs, for a failed or cancelled job, before the VM has enough history, and for a normal job.
   */
  anomalies: JobAnomaly[];
  disks: DiskState[];
  /** Present on `GET /backups/:id` and completion events once the job has ended. */
  performance_metrics?: PerformanceMetrics | null;
}

export interface BackupListResponse {
  backups: BackupJob[];
  /** Pass as `before` to get the next page; null on the last page. */
  next_before: string | null;
}

export interface BackupStats {
  vm_name: string | null;
  repository_id: string | null;
  total: number;
  by_status: Record<JobStatus, number>;
  /** Of `by_status.completed`, the jobs that completed with warnings (`warnings_count` above 0). */
  completed_with_warnings: number;
  /** Completed (with or without warnings) over ended jobs, 0–100; null when no job has ended. */
  success_rate_percent: number | null;
  avg_size_bytes: number | null;
  avg_duration_seconds: number | null;
  last_backup_at: string | null;
}

export interface Machine {
  vm_name: string;
  cpu_count: number | null;
  memory_bytes: number | null;
  os: string | null;
  disks: MachineDisk[];
  updated_at: string | null;
  last_job: BackupJob | null;
  /** The VM's protection against its RPO (README, "Fleet protection"). */
  protection: Protection;
}

/** `GET /machines`: one page of VMs. */
export interface MachineListResponse {
  machines: Machine[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
  /** VMs matching the filters (all pages). */
  total: number;
}

export interface IngestResponse {
  status: 'success';
  message: string;
  timestamp: string;
  /** False when the update was older than the state already stored, or repeated an ended job's end. */
  applied: boolean;
}

export interface CurrentState {
  status: JobStatus;
  current_phase: string | null;
  bytes_transferred: number;
  total_bytes: number;
  transfer_speed_bps: number;
  eta_seconds: number | null;
  progress_percent: number;
  last_telemetry_at: string | null;
}

export type HistoryResponse =
  | { job_id: string; job_type: JobType; data_source: 'rolled_up'; status: JobStatus; performance_metrics: PerformanceMetrics }
  | { job_id: string; job_type: JobType; data_source: 'live_snapshots'; status: JobStatus; current_state: CurrentState; chart_data: ChartPoint[] }
  | { job_id: string; job_type: JobType; data_source: 'none'; status: JobStatus; message: string };
