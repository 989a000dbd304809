import { POLICY_LIMITS, type Protection, type ProtectionPolicy } from '@backup-telemetry/contract';
import type { PolicyRow } from '../store/policies.js';
import { protectionStatus, type ProtectionInput, type ScheduleState } from './status.js';
import type { DefaultPolicy } from './status-sql.js';

/** The policy in force for a VM: its own row, else the plugin's default. */
export function resolvePolicy(row: PolicyRow | null, defaults: DefaultPolicy): ProtectionPolicy {
  if (!row) return { rpo_hours: defaults.rpo_hours, grace_minutes: defaults.grace_minutes, schedule: null, source: 'default' };
  return {
    rpo_hours: row.rpo_hours,
    grace_minutes: row.grace_minutes ?? POLICY_LIMITS.defaultGraceMinutes,
    schedule: row.schedule_cron ? { cron: row.schedule_cron, tz: row.schedule_tz ?? 'UTC' } : null,
    source: 'machine',
  };
}

/** The schedule's next expected run, when it was computed for the VM's current basis (its newest success, or first sighting). */
export function scheduleState(row: PolicyRow | null, summary: ProtectionInput): ScheduleState | null {
  if (!row?.schedule_cron) return null;
  const basis = summary.last_success_at ?? summary.first_seen_at;
  return {
    next_expected_at: row.schedule_basis_at === basis ? row.next_expected_at : null,
    label: `"${row.schedule_cron}" ${row.schedule_tz ?? 'UTC'}`,
  };
}

/** A VM's protection as the API shows it: the verdict plus the policy it was judged by. */
export function machineProtection(summary: ProtectionInput, row: PolicyRow | null, defaults: DefaultPolicy, nowMs: number): Protection {
  const policy = resolvePolicy(row, defaults);
  const schedule = scheduleState(row, summary);
  const verdict = protectionStatus(summary, policy, nowMs, schedule);
  const next = schedule?.next_expected_at ?? null;
  return {
    ...verdict,
    grace_minutes: policy.grace_minutes,
    next_expected_at: next === null ? null : new Date(next).toISOString(),
    schedule: policy.schedule,
  };
}
