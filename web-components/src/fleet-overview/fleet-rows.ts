import type {
  BackupJob,
  Machine,
  MachineProtectionEvent,
  MachineSort,
  MachineUpdateEvent,
  ProtectionStatus,
} from '@backup-telemetry/contract';

/** Counter and filter order: who must act first. */
export const STATUS_ORDER: readonly ProtectionStatus[] = ['at_risk', 'warning', 'pending', 'protected', 'unmonitored'];

export const STATUS_LABELS: Record<ProtectionStatus, string> = {
  at_risk: 'At risk',
  warning: 'Warning',
  pending: 'Pending',
  protected: 'Protected',
  unmonitored: 'Unmonitored',
};

/** The hub's default order per sort key: names and statuses ascending (at risk first), dates newest first. */
export function defaultOrder(sort: MachineSort): 'asc' | 'desc' {
  return sort === 'name' || sort === 'status' ? 'asc' : 'desc';
}

/** What one `GET /machines` page is asked with. */
export interface FleetQuery {
  status: ProtectionStatus | null;
  q: string;
  sort: MachineSort;
  order: 'asc' | 'desc';
  /** The `next_cursor` of the page before; null for the first page. */
  cursor: string | null;
}

/**
 * A row after a `machine:update` push: the protection's status and reason, and the newest job's live
 * fields. A push about a job the row does not show yet (a new run) starts that job from what the push
 * says; `receivedAt` stands in for its creation time, and for the last success when a push shows the
 * job completed, until the page is next loaded.
 */
export function applyMachineUpdate(machine: Machine, event: MachineUpdateEvent, receivedAt: string): Machine {
  const protection = { ...machine.protection, status: event.protection.status, reason: event.protection.reason };
  const pushed = event.last_job;
  if (!pushed) return { ...machine, protection };
  const current = machine.last_job;
  const same = current?.backup_id === pushed.backup_id;
  const last_job: BackupJob = same ? { ...current!, ...pushed } : newJob(machine.vm_name, pushed, receivedAt);
  // A job seen to complete is the VM's newest success; the push does not say when, its arrival does (to the coalescing interval).
  if (pushed.status === 'completed' && !(same && current!.status === 'completed')) protection.last_success_at = receivedAt;
  return { ...machine, protection, last_job };
}

/** A row after `machine:at_risk` / `machine:protected`: the full protection the event carries. */
export function applyProtectionEvent(machine: Machine, event: MachineProtectionEvent): Machine {
  return { ...machine, protection: event.protection };
}

function newJob(vmName: string, pushed: NonNullable<MachineUpdateEvent['last_job']>, receivedAt: string): BackupJob {
  return {
    job_type: 'backup',
    type: 'incremental',
    vm_name: vmName,
    vm_context_id: null,
    anomalies: [],
    repository_id: '',
    repository_path: null,
    bytes_transferred: 0,
    total_bytes: 0,
    eta_seconds: null,
    duration_seconds: 0,
    error_message: null,
    warnings_count: 0,
    created_at: receivedAt,
    started_at: pushed.status === 'pending' ? null : receivedAt,
    completed_at: null,
    last_telemetry_at: receivedAt,
    details: null,
    disks: [],
    ...pushed,
  };
}

/** When the VM's newest job was created or started: the "Last backup" column. */
export function lastBackupAt(machine: Machine): string | null {
  const job = machine.last_job;
  return job ? (job.started_at ?? job.created_at) : null;
}
