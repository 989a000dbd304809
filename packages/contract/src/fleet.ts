import { invalid, TelemetryError } from './errors.js';
import type { BackupJob, JobStatus } from './types.js';

/**
 * How well a VM is protected (README, "Fleet protection"):
 * - `protected`: its newest successful backup is within its RPO;
 * - `warning`: within its RPO but the newest ended job failed or was cancelled, or past its RPO and still within grace;
 * - `at_risk`: its newest success is older than RPO + grace (or a scheduled run was missed by more than grace),
 *   or it never succeeded and is known for longer than that;
 * - `pending`: no success yet, known for less than RPO + grace;
 * - `unmonitored`: no RPO is set.
 */
export const PROTECTION_STATUSES = ['protected', 'warning', 'at_risk', 'pending', 'unmonitored'] as const;
export type ProtectionStatus = (typeof PROTECTION_STATUSES)[number];

/** When a VM's backups are expected to run: a cron expression (5 fields, or 6 with seconds) in an IANA time zone. */
export interface BackupSchedule {
  cron: string;
  /** IANA time zone such as `Europe/Berlin`. Default `UTC`. */
  tz?: string;
}

/** A VM's protection policy: `PUT /machines/:vm_name/policy` body, or `protection` of a job registration. */
export interface ProtectionPolicyRequest {
  /** Longest age of the newest successful backup, in hours (fractions down to 1 minute); null: not monitored. */
  rpo_hours: number | null;
  /** Minutes past the RPO (or past a scheduled run) before the VM is at risk. Default 60. */
  grace_minutes?: number;
  /** Optional schedule: the VM is also late when a scheduled run has not succeeded by its time plus grace. null removes it. */
  schedule?: BackupSchedule | null;
}

/** A VM's policy as the hub applies it. `source` says whether it is the plugin's default or the VM's own. */
export interface ProtectionPolicy {
  rpo_hours: number | null;
  grace_minutes: number;
  schedule: Required<BackupSchedule> | null;
  source: 'default' | 'machine';
}

/** What each machine row carries. */
export interface Protection {
  status: ProtectionStatus;
  rpo_hours: number | null;
  grace_minutes: number;
  /** ISO 8601, or null before the first success. */
  last_success_at: string | null;
  consecutive_failures: number;
  /** One sentence a person reads ("No successful backup for 31 h (RPO 24 h); last attempt failed: …"). */
  reason: string;
  /** With a schedule: the next scheduled run the VM should succeed after (ISO 8601); null without one. */
  next_expected_at: string | null;
  /** The schedule in force, if any. */
  schedule: Required<BackupSchedule> | null;
}

/** Keys `GET /machines` sorts by. */
export const MACHINE_SORTS = ['name', 'last_backup', 'last_success', 'status'] as const;
export type MachineSort = (typeof MACHINE_SORTS)[number];

/** `GET /fleet/summary`: ended-job counts of one window. */
export interface FleetWindow {
  /** Jobs that ended in the window, by outcome. */
  by_status: Record<Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>, number>;
  /** Of `by_status.completed`, the jobs that completed with warnings. */
  completed_with_warnings: number;
  total: number;
  /** Completed over ended, 0–100 (1 decimal); null when none ended. */
  success_rate_percent: number | null;
  bytes_transferred: number;
}

export interface FleetSummary {
  machines: {
    total: number;
    by_protection: Record<ProtectionStatus, number>;
  };
  running_jobs: number;
  pending_jobs: number;
  /** Jobs ended in the last 24 hours, 7 days and 30 days (to the 10 minutes). */
  windows: { '24h': FleetWindow; '7d': FleetWindow; '30d': FleetWindow };
  /** Sum over VMs of the size of each VM's newest successful backup. */
  bytes_protected: number;
  /** The hub time the summary was computed at (ISO 8601). */
  generated_at: string;
}

/** A compact push to viewers subscribed with `{fleet: true}`, at most one per VM per coalescing interval. */
export interface MachineUpdateEvent {
  vm_name: string;
  protection: Pick<Protection, 'status' | 'reason'>;
  last_job: Pick<BackupJob, 'backup_id' | 'status' | 'progress_percent' | 'transfer_speed_bps' | 'current_phase'> | null;
}

/** `machine:at_risk` / `machine:protected` (socket to viewers, `plugin.events`): sent once per change, by one hub instance. */
export interface MachineProtectionEvent {
  vm_name: string;
  protection: Protection;
  /** The status the VM was recorded in before this change. */
  previous_status: ProtectionStatus | null;
  /** When the change was detected (ISO 8601). */
  at: string;
}

/** Policy limits: RPOs from 1 minute to 1 year, grace up to 7 days. */
export const POLICY_LIMITS = {
  minRpoHours: 1 / 60,
  maxRpoHours: 8760,
  maxGraceMinutes: 10_080,
  defaultGraceMinutes: 60,
  maxCronLength: 100,
  maxTzLength: 64,
} as const;

type Input = Record<string, unknown>;

function isPlainObject(value: unknown): value is Input {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const own = (obj: Input, key: string) => (Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined);

/** True for a time zone this runtime knows (IANA names such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a policy body (`PUT /machines/:vm_name/policy`, or a registration's `protection` under
 * `prefix`). The cron expression's syntax is checked by the hub (it owns the parser); here only its
 * shape. `rpo_hours` is required and may be null (not monitored).
 */
export function validatePolicy(body: unknown, prefix = ''): ProtectionPolicyRequest {
  const path = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (!isPlainObject(body)) {
    if (prefix) throw invalid(prefix, 'must be an object');
    throw new TelemetryError('invalid_body', 'body must be a JSON object', { field: 'body' });
  }
  for (const key of Object.keys(body)) {
    if (!['rpo_hours', 'grace_minutes', 'schedule'].includes(key)) throw invalid(path(key), 'is not a policy field (rpo_hours, grace_minutes, schedule)');
  }
  const rpo = own(body, 'rpo_hours');
  if (rpo === undefined) throw invalid(path('rpo_hours'), 'is required (a number of hours, or null for not monitored)');
  if (rpo !== null) {
    if (typeof rpo !== 'number' || !Number.isFinite(rpo)) throw invalid(path('rpo_hours'), 'must be a number of hours or null');
    if (rpo < POLICY_LIMITS.minRpoHours - 1e-9 || rpo > POLICY_LIMITS.maxRpoHours) {
      throw invalid(path('rpo_hours'), `must be from ${POLICY_LIMITS.minRpoHours.toFixed(4)} (one minute) to ${POLICY_LIMITS.maxRpoHours}`);
    }
  }
  const out: ProtectionPolicyRequest = { rpo_hours: rpo as number | null };
  const grace = own(body, 'grace_minutes');
  if (grace !== undefined) {
    if (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0 || grace > POLICY_LIMITS.maxGraceMinutes) {
      throw invalid(path('grace_minutes'), `must be a whole number of minutes from 0 to ${POLICY_LIMITS.maxGraceMinutes}`);
    }
    out.grace_minutes = grace;
  }
  const schedule = own(body, 'schedule');
  if (schedule === null) out.schedule = null;
  else if (schedule !== undefined) {
    if (!isPlainObject(schedule)) throw invalid(path('schedule'), 'must be an object {cron, tz?} or null');
    for (const key of Object.keys(schedule)) if (key !== 'cron' && key !== 'tz') throw invalid(path(`schedule.${key}`), 'is not a schedule field (cron, tz)');
    const cron = own(schedule, 'cron');
    if (typeof cron !== 'string' || cron.trim() === '') throw invalid(path('schedule.cron'), 'is required: a cron expression such as "0 2 * * *"');
    if (cron.length > POLICY_LIMITS.maxCronLength) throw invalid(path('schedule.cron'), `must be at most ${POLICY_LIMITS.maxCronLength} characters`);
    const fields = cron.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6) throw invalid(path('schedule.cron'), 'must have 5 fields (minute hour day month weekday), or 6 with seconds first');
    const tz = own(schedule, 'tz');
    if (tz !== undefined && (typeof tz !== 'string' || tz.length > POLICY_LIMITS.maxTzLength || !isTimeZone(tz))) {
      throw invalid(path('schedule.tz'), 'must be an IANA time zone such as Europe/Berlin or UTC');
    }
    out.schedule = tz === undefined ? { cron: cron.trim() } : { cron: cron.trim(), tz: tz as string };
  }
  return out;
}

/** `GET /fleet/calendar` days: the last `days` days (in `tz`, default UTC), today included. */
export const CALENDAR_DAYS = { defaultDays: 30, maxDays: 90 } as const;

/**
 * How a VM's day went, from the jobs created that day (README, "The fleet calendar"):
 * `mixed` when some completed and some failed; else `failed` if any failed, `success` if any completed,
 * `cancelled` if every ended job was cancelled, `running` if none has ended yet, `none` without jobs.
 */
export const CALENDAR_OUTCOMES = ['success', 'failed', 'mixed', 'cancelled', 'running', 'none'] as const;
export type CalendarOutcome = (typeof CALENDAR_OUTCOMES)[number];

/** One VM's day. Counts are of jobs created that day (in the response's `tz`), whatever their repository. */
export interface CalendarCell {
  /** `YYYY-MM-DD` in the response's `tz`. */
  date: string;
  outcome: CalendarOutcome;
  jobs: number;
  failed: number;
  completed: number;
  cancelled: number;
  /** Still running or pending. */
  running: number;
}

export interface CalendarMachine {
  vm_name: string;
  protection: Pick<Protection, 'status' | 'reason'>;
  /** One cell per entry of the response's `days`, in that order. */
  cells: CalendarCell[];
}

/** `GET /fleet/calendar`: the page `GET /machines` would answer, each VM with one cell per day. */
export interface FleetCalendarResponse {
  /** `YYYY-MM-DD` in `tz`, oldest first, today last. */
  days: string[];
  /** The IANA time zone the days are in (`UTC` unless asked otherwise). */
  tz: string;
  machines: CalendarMachine[];
  /** Pass as `cursor` for the next page (with the same filters and sort); null on the last page. */
  next_cursor: string | null;
  /** VMs matching the filters (all pages). */
  total: number;
}
