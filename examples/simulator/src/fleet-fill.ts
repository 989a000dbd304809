import type { ImportProgress, ImportResult, TelemetryPlugin } from '@backup-telemetry/plugin-server';
import { machineInfo } from './fleet.js';
import type { FleetPlan, FleetPolicy, FleetVm } from './fleet-plan.js';

/** Writes a fleet plan into a hub's database: the VMs' policies, the VMs declared without a job, then the history. */

export interface FillResult extends ImportResult {
  /** VMs declared with a policy and no job. */
  declared: number;
  policies: number;
}

/**
 * A VM known before its first job: its facts and a summary row that says since when, so that
 * protection counts it (pending, then at risk once RPO + grace have passed without a success).
 */
async function declareMachine(plugin: TelemetryPlugin, entry: FleetVm): Promise<void> {
  const { store } = plugin;
  const at = entry.declared_at!;
  await store.transaction(async (trx) => {
    await store.machines.upsert(trx, entry.vm.vm_name, machineInfo(entry.vm), at);
    await trx(store.tables.machineSummaries).insert({ vm_name: entry.vm.vm_name, first_seen_at: at }).onConflict('vm_name').ignore();
  });
}

export async function fillFleet(plugin: TelemetryPlugin, plan: FleetPlan, onProgress?: (p: ImportProgress) => void): Promise<FillResult> {
  let policies = 0;
  let declared = 0;
  for (const entry of plan.vms) {
    // Declared first, so its first sighting is the plan's (setPolicy would declare an unknown VM as seen now).
    if (entry.declared_at !== undefined) {
      await declareMachine(plugin, entry);
      declared += 1;
    }
    if (entry.policy) {
      await plugin.setPolicy(entry.vm.vm_name, { rpo_hours: entry.policy.rpo_hours, grace_minutes: entry.policy.grace_minutes });
      policies += 1;
    }
  }
  const result = await plugin.importJobs(plan.jobs, { onProgress });
  return { ...result, declared, policies };
}
