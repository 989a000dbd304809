import type { ProtectionStatus } from '@backup-telemetry/contract';
import type { Binding } from '../fleet/summary-sql.js';

/** The plugin's default policy, for VMs without a `machine_policies` row. */
export interface DefaultPolicy {
  rpo_hours: number | null;
  grace_minutes: number;
}

export interface SqlExpression {
  sql: string;
  bindings: Binding[];
}

/** Order of `sort=status`: who must act first. */
export const STATUS_SEVERITY: readonly ProtectionStatus[] = ['at_risk', 'warning', 'pending', 'protected', 'unmonitored'];

/**
 * A VM's protection status as one SQL CASE expression, the twin of `protectionStatus`
 * (protection/status.ts), for filters, counts, sorting and the at-risk sweep. It reads a summary row
 * aliased `s` (machine_summaries) and a LEFT JOINed policy row aliased `p` (machine_policies; no row:
 * the default policy applies). `nowMs` is the hub clock. Both dialects evaluate it alike (numbers are
 * compared as DOUBLE/REAL; CASE branches are tried in order). The test in protection-status-sql.test.ts
 * holds the two to the same answers.
 */
export function protectionStatusSql(nowMs: number, defaults: DefaultPolicy, s = 's', p = 'p'): SqlExpression {
  const rpoMs = `(CASE WHEN ${p}.vm_name IS NULL THEN ? ELSE ${p}.rpo_hours * 3600000 END)`;
  const graceMs = `(CASE WHEN ${p}.vm_name IS NULL THEN ? ELSE ${p}.grace_minutes END * 60000)`;
  const defaultRpoMs = defaults.rpo_hours === null ? null : defaults.rpo_hours * 3_600_000;
  const rpo = (): Binding[] => [defaultRpoMs];
  const grace = (): Binding[] => [defaults.grace_minutes];
  // A schedule counts only when computed for the VM's current basis (its newest success, or first sighting).
  const missedRun = `(${p}.next_expected_at IS NOT NULL AND ${p}.schedule_basis_at = COALESCE(${s}.last_success_at, ${s}.first_seen_at) AND ? > ${p}.next_expected_at + ${graceMs})`;
  const sql = `(CASE
    WHEN ${rpoMs} IS NULL THEN 'unmonitored'
    WHEN ${s}.last_success_at IS NULL THEN (CASE WHEN ? - ${s}.first_seen_at > ${rpoMs} + ${graceMs} THEN 'at_risk' WHEN ${missedRun} THEN 'at_risk' ELSE 'pending' END)
    WHEN ? - ${s}.last_success_at > ${rpoMs} + ${graceMs} THEN 'at_risk'
    WHEN ${missedRun} THEN 'at_risk'
    WHEN ? - ${s}.last_success_at > ${rpoMs} THEN 'warning'
    WHEN ${s}.last_ended_status IN ('failed', 'cancelled') THEN 'warning'
    ELSE 'protected' END)`;
  const bindings: Binding[] = [
    ...rpo(),
    nowMs, ...rpo(), ...grace(), nowMs, ...grace(),
    nowMs, ...rpo(), ...grace(),
    nowMs, ...grace(),
    nowMs, ...rpo(),
  ];
  return { sql, bindings };
}

/** `STATUS_SEVERITY`'s rank of a status expression (0 = at_risk first), for `sort=status`. */
export function severitySql(status: SqlExpression): SqlExpression {
  return {
    sql: `(CASE ${status.sql} ${STATUS_SEVERITY.map((st, i) => `WHEN '${st}' THEN ${i}`).join(' ')} END)`,
    bindings: status.bindings,
  };
}

/** The shortest RPO and RPO + grace any monitored VM has (the default's and every policy's), in ms; null: none monitored. */
export interface PolicyBounds {
  min_rpo_ms: number | null;
  min_due_ms: number | null;
}

/** `PolicyBounds` of the default policy and the `machine_policies` rows (one small aggregate read). */
export function policyBounds(defaults: DefaultPolicy, policies: { min_rpo_hours: number | null; min_due_minutes: number | null }): PolicyBounds {
  const rpos = [defaults.rpo_hours === null ? null : defaults.rpo_hours * 3_600_000, policies.min_rpo_hours === null ? null : policies.min_rpo_hours * 3_600_000]
    .filter((v): v is number => v !== null);
  const dues = [defaults.rpo_hours === null ? null : defaults.rpo_hours * 3_600_000 + defaults.grace_minutes * 60_000, policies.min_due_minutes === null ? null : policies.min_due_minutes * 60_000]
    .filter((v): v is number => v !== null);
  return { min_rpo_ms: rpos.length ? Math.min(...rpos) : null, min_due_ms: dues.length ? Math.min(...dues) : null };
}

/**
 * A cheap condition every VM of `statuses` meets (over `s` and `p`, as `protectionStatusSql`), put
 * before the status CASE so that a filtered page evaluates the CASE on candidate rows only:
 * `at_risk` needs no success, or one older than the shortest RPO + grace, or a schedule; `warning` a
 * success older than the shortest RPO, or a newest end that failed or was cancelled; `pending` no
 * success. `protected` and `unmonitored` have no such bound (null: no prefilter).
 */
export function statusPrefilterSql(statuses: readonly ProtectionStatus[], nowMs: number, bounds: PolicyBounds): SqlExpression | null {
  const parts: SqlExpression[] = [];
  for (const status of new Set(statuses)) {
    if (status === 'protected' || status === 'unmonitored') return null;
    if (status === 'pending') parts.push({ sql: 's.last_success_at IS NULL', bindings: [] });
    if (status === 'at_risk') {
      parts.push(bounds.min_due_ms === null
        ? { sql: '1 = 0', bindings: [] }
        : { sql: '(s.last_success_at IS NULL OR s.last_success_at < ? OR p.next_expected_at IS NOT NULL)', bindings: [nowMs - bounds.min_due_ms] });
    }
    if (status === 'warning') {
      parts.push(bounds.min_rpo_ms === null
        ? { sql: '1 = 0', bindings: [] }
        : { sql: "(s.last_success_at < ? OR s.last_ended_status IN ('failed', 'cancelled'))", bindings: [nowMs - bounds.min_rpo_ms] });
    }
  }
  if (parts.length === 0) return null;
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, bindings: parts.flatMap((p) => p.bindings) };
}
