import type { Protection, ProtectionStatus } from '@backup-telemetry/contract';
import type { SummaryCounts } from '../fleet/summary.js';

export type { ProtectionStatus };

/** A VM's recovery point objective: its newest success may be `rpo_hours` old (null: not monitored), then `grace_minutes` more. */
export interface ProtectionPolicy {
  rpo_hours: number | null;
  grace_minutes: number;
}

/**
 * A schedule's state for the VM: the first scheduled run after its newest success (or first
 * sighting), epoch ms; null when it has no schedule or the detector has not computed it for the
 * current basis yet (a success just moved it: not late by schedule until recomputed).
 */
export interface ScheduleState {
  next_expected_at: number | null;
  /** How the schedule reads in a reason: `"0 2 * * *" Europe/Berlin`. */
  label: string;
}

/** The verdict on a VM: the API's `Protection` without the policy facts the caller adds (grace, schedule). */
export type ProtectionVerdict = Pick<Protection, 'status' | 'rpo_hours' | 'last_success_at' | 'consecutive_failures' | 'reason'>;

/** The part of a VM's summary its protection depends on. */
export type ProtectionInput = Pick<SummaryCounts, 'first_seen_at' | 'last_success_at' | 'last_ended_status' | 'last_failure_error' | 'consecutive_failures'>;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Longest error text a reason quotes. */
export const REASON_ERROR_MAX_CHARS = 160;

/** A duration as a person says it, rounded down: "45 min", "1.5 h", "31 h", "4 d". */
export function formatSpan(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE_MS);
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = ms / HOUR_MS;
  if (hours < 10) return `${Math.floor(hours * 10) / 10} h`;
  if (hours < 72) return `${Math.floor(hours)} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** An RPO as configured (exact, not rounded): "24 h", "1.5 h", "30 min". */
function formatRpo(hours: number): string {
  return hours < 1 ? `${Math.round(hours * 60 * 100) / 100} min` : `${Math.round(hours * 1000) / 1000} h`;
}

/** Untrusted error text on one line, control characters out, at most REASON_ERROR_MAX_CHARS. */
export function quoteError(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length > REASON_ERROR_MAX_CHARS ? `${line.slice(0, REASON_ERROR_MAX_CHARS - 1)}…` : line;
}

/** What the newest ended job says when it was not a success. */
function lastAttempt(s: ProtectionInput): string {
  if (s.last_ended_status === 'cancelled') return '; last attempt was cancelled';
  if (s.last_ended_status !== 'failed') return '';
  const error = s.last_failure_error ? `: ${quoteError(s.last_failure_error)}` : '';
  return s.consecutive_failures > 1 ? `; last ${s.consecutive_failures} attempts failed${error}` : `; last attempt failed${error}`;
}

/**
 * A VM's protection from its summary, policy and the hub clock (pure; healthchecks.io's check status
 * is the model). `protected`: newest success at most RPO old. `warning`: within RPO but the newest
 * ended job failed or was cancelled, or past RPO and still within its grace. `at_risk`: newest success
 * older than RPO + grace, or none and known for longer than that. `pending`: no success yet, known for
 * at most RPO + grace. `unmonitored`: no RPO. A running job changes nothing: only successes count.
 * With a schedule, a VM whose scheduled run has not succeeded by its time plus grace is `at_risk`
 * too. protection/status-sql.ts computes the same status in SQL for filters, counts and the sweep.
 */
export function protectionStatus(s: ProtectionInput, policy: ProtectionPolicy, nowMs: number, schedule: ScheduleState | null = null): ProtectionVerdict {
  const base = {
    rpo_hours: policy.rpo_hours,
    last_success_at: s.last_success_at === null ? null : new Date(s.last_success_at).toISOString(),
    consecutive_failures: s.consecutive_failures,
  };
  if (policy.rpo_hours === null) return { ...base, status: 'unmonitored', reason: 'No RPO is set, so protection is not monitored' };
  const rpoMs = policy.rpo_hours * HOUR_MS;
  const dueMs = rpoMs + policy.grace_minutes * MINUTE_MS;
  const rpo = `RPO ${formatRpo(policy.rpo_hours)}`;
  const attempt = lastAttempt(s);
  const missed = schedule?.next_expected_at ?? null;
  const missedRun = missed !== null && nowMs > missed + policy.grace_minutes * MINUTE_MS
    ? `Scheduled backup of ${new Date(missed).toISOString()} has not succeeded (schedule ${schedule!.label}, grace ${policy.grace_minutes} min)`
    : null;
  if (s.last_success_at === null) {
    const knownMs = nowMs - s.first_seen_at;
    if (knownMs > dueMs) return { ...base, status: 'at_risk', reason: `No successful backup since the machine was first seen ${formatSpan(knownMs)} ago (${rpo})${attempt}` };
    if (missedRun) return { ...base, status: 'at_risk', reason: `${missedRun}; no successful backup yet${attempt}` };
    return { ...base, status: 'pending', reason: `No successful backup yet; first seen ${formatSpan(knownMs)} ago (${rpo})${attempt}` };
  }
  const ageMs = nowMs - s.last_success_at;
  if (ageMs <= dueMs && missedRun) return { ...base, status: 'at_risk', reason: `${missedRun}; last successful backup ${formatSpan(ageMs)} ago${attempt}` };
  if (ageMs > dueMs) return { ...base, status: 'at_risk', reason: `No successful backup for ${formatSpan(ageMs)} (${rpo})${attempt}` };
  if (ageMs > rpoMs) {
    return { ...base, status: 'warning', reason: `No successful backup for ${formatSpan(ageMs)} (${rpo}); at risk in ${formatSpan(dueMs - ageMs)}${attempt}` };
  }
  const status = s.last_ended_status === 'failed' || s.last_ended_status === 'cancelled' ? 'warning' : 'protected';
  return { ...base, status, reason: `Last successful backup ${formatSpan(ageMs)} ago (${rpo})${attempt}` };
}
