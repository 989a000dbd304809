import type { BackupJob, ChartPoint, CurrentState, JobLogEntry, PerformanceMetrics, TelemetryUpdate } from './types.js';
import type { ErrorBody } from './errors.js';

/** Socket.IO namespace of the hub. */
export const TELEMETRY_NAMESPACE = '/telemetry';

/** Events a client emits to the hub. */
export const CLIENT_EVENTS = {
  telemetry: 'telemetry',
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
} as const;

/** Events the hub pushes to viewers. */
export const SERVER_EVENTS = {
  update: 'job:update',
  completed: 'job:completed',
  failed: 'job:failed',
  cancelled: 'job:cancelled',
  stale: 'job:stale',
  /** New session log entries of a job (`JobLogEvent`), to the job's room. */
  log: 'job:log',
  /** Compact per-VM push to `{fleet: true}` subscribers (`MachineUpdateEvent`), coalesced per VM. */
  machineUpdate: 'machine:update',
  /** A VM just went at risk (`MachineProtectionEvent`): once per miss, from one hub instance. */
  machineAtRisk: 'machine:at_risk',
  /** A VM at risk is protected again (`MachineProtectionEvent`). */
  machineProtected: 'machine:protected',
} as const;

/** Body of the socket `telemetry` event: an update plus its routing fields. */
export type SocketTelemetry = TelemetryUpdate & { job_id: string; job_type: string };

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export type SubscribeRequest = { job_id: string } | { vm_name: string } | { fleet: true };

export interface JobUpdateEvent {
  job: BackupJob;
  /** The chart point of the snapshot stored with this update, if one was stored. */
  point?: ChartPoint;
}

export interface JobEndedEvent {
  job: BackupJob;
  performance_metrics: PerformanceMetrics | null;
}

export interface JobStaleEvent {
  job: BackupJob;
  silent_seconds: number;
  message: string;
}

export interface JobLogEvent {
  job_id: string;
  /** The entries one commit appended, in `seq` order. */
  entries: JobLogEntry[];
}

export interface SubscribeAck {
  /** Current state of a running job (subscribe by job_id). */
  job?: BackupJob;
  current_state?: CurrentState;
  chart_data?: ChartPoint[];
}

/** Room names, so server and tests agree. */
export const rooms = {
  job: (jobId: string) => `job:${jobId}`,
  vm: (vmName: string) => `vm:${vmName}`,
  /** Viewers of the whole fleet: `machine:update`, `machine:at_risk`, `machine:protected`. */
  fleet: 'fleet',
};
