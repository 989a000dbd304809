import type { FleetSummary, Machine, MachineListResponse, ProtectionStatus } from '@backup-telemetry/contract';
import { PROTECTION_STATUSES } from '@backup-telemetry/contract';
import { at, job, machine } from './fixtures.js';

const REASONS: Record<ProtectionStatus, string> = {
  protected: 'Last successful backup 12 h ago (RPO 24 h)',
  warning: 'Within RPO 24 h, but the last attempt failed: NBD connection reset by peer',
  at_risk: 'No successful backup for 31 h (RPO 24 h); last attempt failed: NBD connection reset by peer',
  pending: 'No successful backup yet; known for 2 h (RPO 24 h)',
  unmonitored: 'No RPO set',
};

/** A fleet row: a VM with its protection and (unless `last_job: null`) a completed newest job. */
export function fleetMachine(vmName: string, status: ProtectionStatus = 'protected', overrides: Partial<Machine> = {}): Machine {
  const base = machine({ vm_name: vmName, last_job: job({ vm_name: vmName, started_at: at(10, 10, 2, 0) }) });
  return {
    ...base,
    protection: { ...base.protection, status, reason: REASONS[status], last_success_at: status === 'pending' ? null : at(10, 10, 2, 0) },
    ...overrides,
  };
}

export function fleetSummary(counts: Partial<Record<ProtectionStatus, number>>): FleetSummary {
  const by_protection = Object.fromEntries(PROTECTION_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<ProtectionStatus, number>;
  const window = { by_status: { completed: 0, failed: 0, cancelled: 0 }, completed_with_warnings: 0, total: 0, success_rate_percent: null, bytes_transferred: 0 };
  return {
    machines: { total: Object.values(by_protection).reduce((a, b) => a + b, 0), by_protection },
    running_jobs: 0,
    pending_jobs: 0,
    windows: { '24h': window, '7d': window, '30d': window },
    bytes_protected: 0,
    generated_at: new Date().toISOString(),
  };
}

/**
 * A `/machines` route over `fleet` the way the hub pages it: filtered by `status` and `q`, sorted by
 * name, `limit` a page, and an opaque cursor (the last name of the page before).
 */
export function pagedMachines(fleet: Machine[]) {
  return (url: URL): MachineListResponse => {
    const p = url.searchParams;
    const statuses = p.get('status')?.split(',') ?? null;
    const q = (p.get('q') ?? '').toLowerCase();
    const limit = Number(p.get('limit') ?? 100);
    const after = p.get('cursor') ? atob(p.get('cursor')!) : null;
    const matching = fleet
      .filter((m) => (!statuses || statuses.includes(m.protection.status)) && m.vm_name.toLowerCase().includes(q))
      .sort((a, b) => (a.vm_name < b.vm_name ? -1 : 1));
    const rest = after === null ? matching : matching.filter((m) => m.vm_name > after);
    const page = rest.slice(0, limit);
    const more = rest.length > limit;
    return { machines: page, next_cursor: more ? btoa(page[page.length - 1].vm_name) : null, total: matching.length };
  };
}
