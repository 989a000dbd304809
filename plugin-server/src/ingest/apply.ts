import { stageBusyToDb } from '../insight/bottleneck.js';
import { isTerminalStatus, TelemetryError, type JobStatus, type NormalizedUpdate, type TerminalStatus } from '@backup-telemetry/contract';
import { appendLog, clientEntries, hubEntry, phaseMessage, type LogRow } from '../joblog/entries.js';
import { startOf, type DiskRow, type JobRow, type SnapshotRow } from '../store/rows.js';

/** A job and its disks as one batch holds them while applying updates in memory. */
export interface JobState {
  job: JobRow;
  disks: Map<number, DiskRow>;
}

export type ApplyOutcome =
  | { applied: true; snapshot: SnapshotRow | null; ended: boolean; log: LogRow[] }
  | { applied: false; reason: 'older' | 'repeated_end' };

export const FAILED_WITHOUT_MESSAGE = 'The backup client reported a failure without an error message';

function diskOf(state: JobState, index: number): DiskRow {
  let disk = state.disks.get(index);
  if (!disk) {
    disk = { backup_job_id: state.job.id, disk_index: index, bytes_transferred: 0, total_bytes: 0, status: 'pending', progress_percent: 0 };
    state.disks.set(index, disk);
  }
  return disk;
}

/** Sum of byte counts, held within the range a database BIGINT and a JS number share exactly. */
export function sumBytes(values: number[]): number {
  return Math.min(Number.MAX_SAFE_INTEGER, values.reduce((a, b) => a + b, 0));
}

const percentOf = (bytes: number, total: number) => (total > 0 ? Math.min(100, Math.round((bytes / total) * 10000) / 100) : 0);

/**
 * When the client measured this update, on the hub's clock. The job's clock offset is the smallest
 * delay (receive time − client timestamp) seen so far: it absorbs the client's clock skew, while
 * updates that waited in a client's queue during an outage keep their real place in time.
 */
function measuredAt(job: JobRow, stamp: number | undefined, nowMs: number): number {
  if (stamp === undefined) return nowMs;
  const delay = nowMs - stamp;
  job.clock_offset_ms = job.clock_offset_ms === null ? delay : Math.min(job.clock_offset_ms, delay);
  const floor = Math.max(startOf(job), job.last_snapshot_at ?? -Infinity);
  return Math.min(nowMs, Math.max(floor, stamp + job.clock_offset_ms));
}

/**
 * Applies one validated update to a job's in-memory state (mutating it), deciding whether the
 * update is newer than what is stored and whether it earns a snapshot. Throws 409 for an ended job.
 * `nowMs` is the hub's clock and stamps liveness (staleness never trusts the client's clock); the
 * client's timestamp orders updates and, mapped onto the hub clock, places snapshots and the end.
 * An applied update appends to the job's session log: a phase change (hub), then the client's `log`
 * lines; an update not applied (older, or a repeated end: a retry) adds nothing to it.
 */
export function applyUpdate(state: JobState, update: NormalizedUpdate, nowMs: number, snapshotIntervalMs: number): ApplyOutcome {
  const { job } = state;
  if (isTerminalStatus(job.status)) {
    if (update.status === job.status) return { applied: false, reason: 'repeated_end' };
    throw new TelemetryError('job_ended', `job ${job.id} already ended (${job.status}); no further telemetry is accepted`, { field: 'job_id' });
  }
  const stamp = update.timestamp_ms;
  if (stamp !== undefined && job.last_update_at !== null && stamp <= job.last_update_at) {
    job.last_telemetry_at = nowMs;
    if (update.status === undefined || !isTerminalStatus(update.status)) return { applied: false, reason: 'older' };
    return applyLateEnd(job, update, update.status, nowMs);
  }

  const previousPhase = job.current_phase;
  let at = measuredAt(job, stamp, nowMs);
  const status = update.status ?? (job.status === 'pending' ? 'running' : job.status);
  if (update.current_phase !== undefined) job.current_phase = update.current_phase;
  if (update.transfer_speed_bps !== undefined) job.transfer_speed_bps = update.transfer_speed_bps;
  if (update.eta_seconds !== undefined) job.eta_seconds = update.eta_seconds;

  for (const d of update.disks ?? []) {
    const disk = diskOf(state, d.disk_index);
    if (d.bytes_transferred !== undefined) disk.bytes_transferred = d.bytes_transferred;
    if (d.total_bytes !== undefined) disk.total_bytes = d.total_bytes;
    if (d.status !== undefined) disk.status = d.status;
    else if (disk.status === 'pending' && disk.bytes_transferred > 0) disk.status = 'running';
    disk.progress_percent = d.progress_percent ?? percentOf(disk.bytes_transferred, disk.total_bytes);
  }
  const diskList = [...state.disks.values()];
  if (update.bytes_transferred !== undefined) job.bytes_transferred = update.bytes_transferred;
  else if (update.disks?.length) job.bytes_transferred = sumBytes(diskList.map((d) => d.bytes_transferred));
  if (update.total_bytes !== undefined) job.total_bytes = update.total_bytes;
  else if (update.disks?.length) {
    const total = sumBytes(diskList.map((d) => d.total_bytes));
    if (total > 0) job.total_bytes = total;
  }
  if (update.progress_percent !== undefined) job.progress_percent = update.progress_percent;
  else if (update.bytes_transferred !== undefined || update.disks?.length) job.progress_percent = percentOf(job.bytes_transferred, job.total_bytes);

  if (update.error !== undefined) job.error_message = update.error;
  if (update.details) job.details = { ...(job.details ?? {}), ...update.details };
  if (update.warnings_count !== undefined) job.warnings_count = update.warnings_count;
  const log = appendLog(job, [
    ...(job.current_phase !== previousPhase && job.current_phase ? [hubEntry(at, 'info', phaseMessage(job.current_phase))] : []),
    ...clientEntries(job, update.log ?? [], at, nowMs),
  ]);
  job.last_update_at = stamp ?? Math.max(nowMs, job.last_update_at ?? 0);
  setStatus(job, status, at, nowMs);

  const ended = isTerminalStatus(status);
  let snapshot: SnapshotRow | null = null;
  if (status === 'running') {
    const due = job.last_snapshot_at === null || at - job.last_snapshot_at >= snapshotIntervalMs || job.current_phase !== previousPhase;
    if (due) {
      // (job_id, timestamp) keys the snapshot: two in the same millisecond are 1 ms apart.
      if (job.last_snapshot_at !== null && at <= job.last_snapshot_at) at = job.last_snapshot_at + 1;
      snapshot = {
        job_id: job.id,
        job_type: job.job_type,
        timestamp: at,
        bytes_transferred: job.bytes_transferred,
        total_bytes: job.total_bytes,
        transfer_speed_bps: job.transfer_speed_bps,
        progress_percent: job.progress_percent,
        current_phase: job.current_phase,
      };
      if (update.bottleneck) snapshot.stage_busy = stageBusyToDb(update.bottleneck);
      job.last_snapshot_at = at;
      if (job.snapshot_count !== null) job.snapshot_count += 1;
    }
  }
  return { applied: true, snapshot, ended, log };
}

/** The status an applied update leaves, with what goes with it: liveness, and an end's time and default error. */
function setStatus(job: JobRow, status: JobStatus, atMs: number, nowMs: number): void {
  if (status === 'failed' && !job.error_message) job.error_message = FAILED_WITHOUT_MESSAGE;
  job.status = status;
  job.last_telemetry_at = nowMs;
  job.stale_warned_at = null;
  if (isTerminalStatus(status)) job.completed_at = atMs;
}

/**
 * An end stamped at or before the newest applied update (an agent that restarted or failed over to
 * another host, an NTP step, a future stamp before it): the end is never dropped, but the newer
 * progress stays. The end brings its status, its error, its warnings count, its log lines and the `details` keys the job lacks; bytes,
 * totals, percent, phase and disks stay as the newer updates left them (the common end then sums the
 * disks and rolls the job up). It is placed at its own measured time, never before the newest chart point.
 */
function applyLateEnd(job: JobRow, update: NormalizedUpdate, status: TerminalStatus, nowMs: number): ApplyOutcome {
  if (update.error !== undefined) job.error_message = update.error;
  if (update.details) job.details = { ...update.details, ...(job.details ?? {}) };
  if (update.warnings_count !== undefined) job.warnings_count = update.warnings_count;
  const at = measuredAt(job, update.timestamp_ms, nowMs);
  setStatus(job, status, at, nowMs);
  return { applied: true, snapshot: null, ended: true, log: appendLog(job, clientEntries(job, update.log ?? [], at, nowMs)) };
}
