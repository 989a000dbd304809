import {
  invalid, TelemetryError, validatePolicy, validateVmName, type Protection, type ProtectionPolicy, type ProtectionPolicyRequest,
} from '@backup-telemetry/contract';
import type { Knex } from 'knex';
import type { Store } from '../store/index.js';
import type { PolicyRow } from '../store/policies.js';
import { machineProtection, resolvePolicy } from './machine.js';
import { isValidCron, nextRun } from './schedule.js';
import type { DefaultPolicy } from './status-sql.js';
import type { ProtectionInput } from './status.js';

/** `GET|PUT|DELETE /machines/:vm_name/policy`: the policy in force for the VM and its protection now. */
export interface MachinePolicy {
  vm_name: string;
  policy: ProtectionPolicy;
  protection: Protection;
}

/** The cron syntax check the contract leaves to the hub (it owns the parser), naming `<prefix>.schedule.cron`. */
export function checkSchedule(request: ProtectionPolicyRequest, prefix = ''): void {
  if (request.schedule && !isValidCron(request.schedule.cron)) {
    throw invalid(prefix ? `${prefix}.schedule.cron` : 'schedule.cron', 'is not a valid cron expression (5 fields minute hour day month weekday, or 6 with seconds first)');
  }
}

/** A policy body checked in full: shape (contract) and cron syntax. */
export function validPolicyRequest(body: unknown, prefix = ''): ProtectionPolicyRequest {
  const request = validatePolicy(body, prefix);
  checkSchedule(request, prefix);
  return request;
}

/**
 * The row a request stores. A request replaces the VM's policy: no `grace_minutes` means the plugin's
 * `defaultGraceMinutes`, no `schedule` means none. With a schedule, its next run after `basisAt` (the
 * VM's newest success, or its first sighting) is computed now.
 */
export function policyRow(vmName: string, request: ProtectionPolicyRequest, basisAt: number, defaults: DefaultPolicy, nowMs: number): PolicyRow {
  const schedule = request.schedule ?? null;
  const tz = schedule?.tz ?? 'UTC';
  return {
    vm_name: vmName,
    rpo_hours: request.rpo_hours,
    grace_minutes: request.grace_minutes ?? defaults.grace_minutes,
    schedule_cron: schedule?.cron ?? null,
    schedule_tz: schedule ? tz : null,
    schedule_basis_at: schedule ? basisAt : null,
    next_expected_at: schedule ? nextRun(schedule.cron, tz, basisAt) : null,
    updated_at: nowMs,
  };
}

/**
 * Sets a VM's policy inside the caller's transaction (a PUT's own, or a registration's): makes the VM
 * known if it never was (machine and summary rows, first seen now), then replaces its policy row.
 */
export async function applyPolicy(store: Store, trx: Knex.Transaction, vmName: string, request: ProtectionPolicyRequest, defaults: DefaultPolicy, nowMs: number): Promise<void> {
  await store.policies.declareMachine(trx, vmName, nowMs);
  const basisAt = (await store.policies.basisOf(trx, vmName)) ?? nowMs;
  await store.policies.upsert(trx, policyRow(vmName, request, basisAt, defaults, nowMs));
}

/** The VM's policy and protection; 404 `machine_not_found` for a VM the hub has never seen nor been told of. */
export async function readPolicy(store: Store, vmName: unknown, defaults: DefaultPolicy, nowMs: number): Promise<MachinePolicy> {
  const name = validateVmName(vmName);
  const [summary, row] = await Promise.all([store.summaries.ofMachine(store.knex, name), store.policies.find(store.knex, name)]);
  let input: ProtectionInput | null = summary;
  if (!input) {
    // Known only by its facts (as queries/backups.ts toMachine reads it): first seen when they were.
    const machine = await store.machines.find(store.knex, name);
    if (!machine) throw new TelemetryError('machine_not_found', `no machine named ${name}`, { field: 'vm_name' });
    input = { first_seen_at: machine.updated_at, last_success_at: null, last_ended_status: null, last_failure_error: null, consecutive_failures: 0 };
  }
  return { vm_name: name, policy: resolvePolicy(row, defaults), protection: machineProtection(input, row, defaults, nowMs) };
}

/** `PUT /machines/:vm_name/policy` and `plugin.setPolicy`: validates, stores, and answers the new state. */
export async function setPolicy(store: Store, vmName: unknown, body: unknown, defaults: DefaultPolicy, nowMs: number): Promise<MachinePolicy> {
  const name = validateVmName(vmName);
  const request = validPolicyRequest(body);
  await store.transaction((trx) => applyPolicy(store, trx, name, request, defaults, nowMs));
  return readPolicy(store, name, defaults, nowMs);
}

/** `DELETE /machines/:vm_name/policy` and `plugin.clearPolicy`: the VM falls back to the plugin's default policy. */
export async function clearPolicy(store: Store, vmName: unknown, defaults: DefaultPolicy, nowMs: number): Promise<MachinePolicy> {
  const name = validateVmName(vmName);
  await store.policies.remove(store.knex, name);
  return readPolicy(store, name, defaults, nowMs);
}
