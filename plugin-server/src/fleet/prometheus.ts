import { PROTECTION_STATUSES, type ProtectionStatus } from '@backup-telemetry/contract';
import { Gauge, type Registry } from 'prom-client';
import { protectionStatusSql, type DefaultPolicy } from '../protection/status-sql.js';
import type { Store } from '../store/index.js';

/** One VM's per-VM series, read from the store. */
export interface MachineSeries {
  vm_name: string;
  status: ProtectionStatus;
  /** The RPO in force in seconds; null when not monitored. */
  rpo_seconds: number | null;
  consecutive_failures: number;
  /** The newest ended job's duration and size; null before any job ended. */
  last_job_duration_seconds: number | null;
  last_job_size_bytes: number | null;
}

export interface RepositorySeries {
  vm_name: string;
  repository_id: string;
  /** Epoch seconds of the newest successful backup in this repository; null before one. */
  last_success_seconds: number | null;
}

export interface FleetSnapshot {
  machines: MachineSeries[];
  repositories: RepositorySeries[];
}

/** What the fleet gauges read at scrape time: a snapshot, cached by its maker. */
export type FleetSeriesSource = () => Promise<FleetSnapshot>;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * The fleet's per-VM series as every instance sees them, from the store (three reads: the summaries
 * with their status, the newest ended job of each VM by primary key, the per-repository summaries).
 */
export async function readFleetSeries(store: Store, defaults: DefaultPolicy, nowMs: number): Promise<FleetSnapshot> {
  const { knex, tables } = store;
  const status = protectionStatusSql(nowMs, defaults);
  const rpoSeconds = '(CASE WHEN p.vm_name IS NULL THEN ? ELSE p.rpo_hours * 3600 END)';
  const rows = await knex(`${tables.machineSummaries} as s`)
    .leftJoin(`${tables.policies} as p`, 's.vm_name', 'p.vm_name')
    .leftJoin(`${tables.jobs} as j`, 'j.id', 's.last_ended_job_id')
    .select('s.vm_name', 's.consecutive_failures', 'j.bytes_transferred', 'j.completed_at', 'j.started_at', 'j.created_at')
    .select(knex.raw(`${status.sql} AS status`, status.bindings))
    .select(knex.raw(`${rpoSeconds} AS rpo_seconds`, [defaults.rpo_hours === null ? null : defaults.rpo_hours * 3600]));
  const machines = rows.map((r: Record<string, unknown>): MachineSeries => {
    const ended = num(r.completed_at);
    const started = num(r.started_at) ?? num(r.created_at);
    return {
      vm_name: String(r.vm_name),
      status: r.status as ProtectionStatus,
      rpo_seconds: num(r.rpo_seconds),
      consecutive_failures: Number(r.consecutive_failures),
      last_job_duration_seconds: ended !== null && started !== null ? Math.max(0, (ended - started) / 1000) : null,
      last_job_size_bytes: ended !== null ? Number(r.bytes_transferred) : null,
    };
  });
  const repos = await knex(tables.repositorySummaries).select('vm_name', 'repository_id', 'last_success_at');
  return {
    machines,
    repositories: repos.map((r: Record<string, unknown>) => {
      const at = num(r.last_success_at);
      return { vm_name: String(r.vm_name), repository_id: String(r.repository_id), last_success_seconds: at === null ? null : at / 1000 };
    }),
  };
}

/**
 * A source that reads the store at most once per `cacheMs` (concurrent scrapes share one read), so
 * a 10,000-VM fleet costs the database a few queries per interval however often it is scraped.
 */
export function cachedFleetSeries(read: () => Promise<FleetSnapshot>, cacheMs: number, now: () => number = Date.now): FleetSeriesSource {
  let cached: { at: number; snapshot: Promise<FleetSnapshot>; settled: boolean } | null = null;
  return () => {
    const t = now();
    // A read in flight is shared (the gauges of one scrape collect together), then kept `cacheMs`; a clock set back refreshes.
    const fresh = cached && (!cached.settled || (t - cached.at < cacheMs && t >= cached.at));
    if (!fresh) {
      const snapshot = read();
      const entry = { at: t, snapshot, settled: false };
      cached = entry;
      snapshot.then(() => { entry.settled = true; }, () => { if (cached === entry) cached = null; });
    }
    return cached!.snapshot;
  };
}

/**
 * Registers the per-VM gauges (README, "Prometheus"): per VM five series and per VM and repository
 * one. Label values are the VM's and repository's names as sent; prom-client escapes `\`, `"` and
 * newlines, so an untrusted name cannot break the exposition format.
 */
export function registerFleetSeries(registry: Registry, source: FleetSeriesSource): void {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: FleetSnapshot) => void) =>
    new Gauge<L>({
      name, help, labelNames, registers: [registry],
      async collect() {
        const s = await source();
        this.reset();
        fill(this, s);
      },
    });
  gauge('bt_machine_last_success_timestamp_seconds', 'Unix time of the newest successful backup of the VM in the repository (absent before the first)', ['vm_name', 'repository_id'], (g, s) => {
    for (const r of s.repositories) if (r.last_success_seconds !== null) g.set({ vm_name: r.vm_name, repository_id: r.repository_id }, r.last_success_seconds);
  });
  gauge('bt_machine_protection_status', `1 for the VM's protection status (${PROTECTION_STATUSES.join(', ')}); one series per VM`, ['vm_name', 'status'], (g, s) => {
    for (const m of s.machines) g.set({ vm_name: m.vm_name, status: m.status }, 1);
  });
  gauge('bt_machine_rpo_seconds', 'RPO in force for the VM (absent when not monitored)', ['vm_name'], (g, s) => {
    for (const m of s.machines) if (m.rpo_seconds !== null) g.set({ vm_name: m.vm_name }, m.rpo_seconds);
  });
  gauge('bt_machine_consecutive_failures', 'Failed jobs of the VM since its newest success', ['vm_name'], (g, s) => {
    for (const m of s.machines) g.set({ vm_name: m.vm_name }, m.consecutive_failures);
  });
  gauge('bt_machine_last_job_duration_seconds', "Duration of the VM's newest ended job", ['vm_name'], (g, s) => {
    for (const m of s.machines) if (m.last_job_duration_seconds !== null) g.set({ vm_name: m.vm_name }, m.last_job_duration_seconds);
  });
  gauge('bt_machine_last_job_size_bytes', "Bytes transferred by the VM's newest ended job", ['vm_name'], (g, s) => {
    for (const m of s.machines) if (m.last_job_size_bytes !== null) g.set({ vm_name: m.vm_name }, m.last_job_size_bytes);
  });
}
