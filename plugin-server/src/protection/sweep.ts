import type { MachineProtectionEvent, ProtectionStatus } from '@backup-telemetry/contract';
import type { Knex } from 'knex';
import type { TelemetryEvents } from '../events.js';
import { errorText } from '../error-text.js';
import type { Logger } from '../logger.js';
import type { TelemetryMetrics } from '../metrics.js';
import type { Store } from '../store/index.js';
import { policyFromDb, type PolicyRow } from '../store/policies.js';
import { machineProtection } from './machine.js';
import { nextRun } from './schedule.js';
import { protectionStatusSql, type DefaultPolicy } from './status-sql.js';
import type { ProtectionInput } from './status.js';

export interface SweepResult {
  /** VMs this instance reported `machine:at_risk` for in this pass. */
  at_risk: string[];
  /** VMs this instance reported `machine:protected` for. */
  protected: string[];
  /** Schedules whose next expected run this instance recomputed. */
  schedules_moved: number;
}

/** Webhooks (notify/): `machine.at_risk` / `machine.protected` written in the transaction that records the change. */
export interface MachineOutbox {
  wantsMachineEvent(type: 'machine.at_risk' | 'machine.protected', vmName: string): boolean;
  enqueueMachineEvent(trx: Knex.Transaction, type: 'machine.at_risk' | 'machine.protected', data: { machine: MachineProtectionEvent & Record<string, unknown> }): Promise<boolean>;
  committed(): void;
}

/** A VM whose recorded state and live status disagree about being at risk. */
interface Transition {
  vm_name: string;
  recorded: ProtectionStatus | null;
  live: ProtectionStatus;
  summary: ProtectionInput;
  policy: PolicyRow | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Schedules moved per UPDATE (well under SQLite's 999 bindings). */
const SCHEDULE_CHUNK = 100;

/**
 * Recomputes `next_expected_at` of every scheduled VM whose basis (newest success, or first sighting)
 * moved, in UPDATEs of many rows (a fleet whose nightly runs all just succeeded), each row conditional
 * on the basis and schedule the pass read, so concurrent instances do not fight and a policy changed
 * meanwhile is left alone. A schedule nextRun cannot read leaves no expected run.
 */
async function moveSchedules(store: Store, logger: Logger): Promise<number> {
  const stale = await store.policies.staleSchedules(store.knex);
  let moved = 0;
  for (let i = 0; i < stale.length; i += SCHEDULE_CHUNK) {
    const moves = stale.slice(i, i + SCHEDULE_CHUNK).map((schedule) => {
      try {
        return { schedule, next_expected_at: nextRun(schedule.schedule_cron, schedule.schedule_tz ?? 'UTC', schedule.basis_at) };
      } catch (error) {
        logger.warn({ vm_name: schedule.vm_name, err: errorText(error) }, 'schedule could not be read; no expected run');
        return { schedule, next_expected_at: null };
      }
    });
    moved += await store.policies.moveSchedules(store.knex, moves);
  }
  return moved;
}

/**
 * The VMs to act on, in one SELECT over the summaries with the status CASE (protection/status-sql.ts):
 * live `at_risk` but not recorded so, or recorded `at_risk` and live something else. Other statuses are
 * never written, so a pass over 10,000 quiet VMs writes nothing.
 */
async function transitions(store: Store, nowMs: number, defaults: DefaultPolicy): Promise<Transition[]> {
  const { knex, tables } = store;
  const status = protectionStatusSql(nowMs, defaults);
  const live = knex(`${tables.machineSummaries} as s`).leftJoin(`${tables.policies} as p`, 's.vm_name', 'p.vm_name').select(
    's.vm_name', 's.protection_state', 's.first_seen_at', 's.last_success_at', 's.last_ended_status', 's.last_failure_error', 's.consecutive_failures',
    { policy_vm_name: 'p.vm_name' }, 'p.rpo_hours', 'p.grace_minutes', 'p.schedule_cron', 'p.schedule_tz', 'p.schedule_basis_at', 'p.next_expected_at',
    { policy_updated_at: 'p.updated_at' },
    knex.raw(`${status.sql} AS live_status`, status.bindings),
  );
  const rows = await knex.select('*').from(live.as('x'))
    .whereRaw(`(x.live_status = 'at_risk' AND (x.protection_state IS NULL OR x.protection_state <> 'at_risk')) OR (x.protection_state = 'at_risk' AND x.live_status <> 'at_risk')`);
  return rows.map((r: Record<string, unknown>) => ({
    vm_name: String(r.vm_name),
    recorded: (r.protection_state as ProtectionStatus | null) ?? null,
    live: r.live_status as ProtectionStatus,
    summary: {
      first_seen_at: Number(r.first_seen_at),
      last_success_at: num(r.last_success_at),
      last_ended_status: (r.last_ended_status as ProtectionInput['last_ended_status']) ?? null,
      last_failure_error: (r.last_failure_error as string | null) ?? null,
      consecutive_failures: Number(r.consecutive_failures),
    },
    policy: r.policy_vm_name === null || r.policy_vm_name === undefined ? null : policyFromDb({ ...r, vm_name: r.policy_vm_name, updated_at: r.policy_updated_at }),
  }));
}

/**
 * The at-risk sweep, run in every stale-detector pass on every instance. A VM that just went at risk
 * is reported once with `machine:at_risk`; one at risk that a success (or a kinder policy) brought
 * to `protected` or `warning` with `machine:protected`; one that became `pending` or `unmonitored`
 * is set back silently. Each change is a conditional UPDATE from the state the pass read: only the
 * instance whose UPDATE changed the row publishes, so each miss is reported once however many
 * instances sweep at the same moment.
 */
export async function sweepProtection(
  store: Store, events: TelemetryEvents, logger: Logger, metrics: TelemetryMetrics, defaults: DefaultPolicy, nowMs: number, outbox?: MachineOutbox,
): Promise<SweepResult> {
  const result: SweepResult = { at_risk: [], protected: [], schedules_moved: await moveSchedules(store, logger) };
  for (const t of await transitions(store, nowMs, defaults)) {
    const reported = t.live === 'at_risk' ? 'machine:at_risk' : t.live === 'protected' || t.live === 'warning' ? 'machine:protected' : null;
    const protection = machineProtection(t.summary, t.policy, defaults, nowMs);
    const event: MachineProtectionEvent = { vm_name: t.vm_name, protection, previous_status: t.recorded, at: new Date(nowMs).toISOString() };
    const webhook = reported === 'machine:at_risk' ? 'machine.at_risk' : reported === 'machine:protected' ? 'machine.protected' : null;
    // The change and its webhook rows commit together (a crash after the commit still delivers); with
    // no endpoint wanting the event the change is one autocommitted UPDATE, as cheap as before.
    const changed = webhook && outbox?.wantsMachineEvent(webhook, t.vm_name)
      ? await store.transaction(async (trx) => {
        if (!(await store.policies.recordState(trx, t.vm_name, t.recorded, t.live, nowMs))) return false;
        await outbox.enqueueMachineEvent(trx, webhook, { machine: { ...event } });
        return true;
      })
      : await store.policies.recordState(store.knex, t.vm_name, t.recorded, t.live, nowMs);
    if (!changed || !reported) continue;
    outbox?.committed();
    metrics.protectionChanged(t.live);
    if (reported === 'machine:at_risk') {
      result.at_risk.push(t.vm_name);
      logger.warn({ vm_name: t.vm_name, reason: protection.reason }, 'machine at risk');
    } else {
      result.protected.push(t.vm_name);
      logger.info({ vm_name: t.vm_name, reason: protection.reason }, 'machine protected again');
    }
    events.emit(reported, event);
  }
  return result;
}
