import { invalid, type BackupJob, type FleetSummary, type Machine, type MachineListResponse } from '@backup-telemetry/contract';
import { getMachine } from '../queries/backups.js';
import { fleetSummary, listMachinePage, windowStart } from '../queries/fleet.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import type { Store } from '../store/index.js';
import { JOB_LIST_COLUMNS } from '../store/jobs.js';
import { storedJobFromDb, toBackupJob } from '../store/rows.js';
import type { DailyOutcomes } from './charts.js';

/** What a report covers and how much it prints (README, "PDF reports"). */
export const REPORT_LIMITS = {
  defaultDays: 30,
  maxDays: 366,
  /** Newest jobs in a VM's history table; older ones are counted ("… N more jobs not shown"). */
  historyRows: 2_000,
  /** VMs in the fleet report's table, most urgent first. */
  fleetMachines: 1_000,
} as const;

const DAY_MS = 86_400_000;

/** `days`: a whole number from 1 to 366, default 30; 400 naming `days` otherwise. */
export function parseDays(query: Record<string, unknown>): number {
  const raw = query.days;
  if (raw === undefined || raw === '') return REPORT_LIMITS.defaultDays;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > REPORT_LIMITS.maxDays) {
    throw invalid('days', `must be a whole number of days from 1 to ${REPORT_LIMITS.maxDays}`);
  }
  return Number(raw);
}

export interface Period {
  from_ms: number;
  to_ms: number;
  days: number;
}

export const periodOf = (nowMs: number, days: number): Period => ({ from_ms: nowMs - days * DAY_MS, to_ms: nowMs, days });

/** Jobs created in the period, by status, with the bytes and duration (ms) of the completed ones. */
export interface PeriodCounts {
  total: number;
  by_status: Record<string, number>;
  completed_bytes_sum: number;
  completed_duration_ms_sum: number;
}

export interface MachineReportData {
  period: Period;
  machine: Machine;
  counts: PeriodCounts;
  /** Newest first, at most `REPORT_LIMITS.historyRows`. */
  jobs: BackupJob[];
}

/** One GROUP BY over the VM's jobs of the period (on the jobs index that starts with vm_name). */
async function periodCounts(store: Store, vmName: string, fromMs: number): Promise<PeriodCounts> {
  const { knex, tables } = store;
  const rows = await knex(tables.jobs).where('vm_name', vmName).andWhere('created_at', '>=', fromMs)
    .select('status').count({ n: '*' })
    .select(knex.raw("SUM(CASE WHEN status = 'completed' THEN bytes_transferred ELSE 0 END) AS b"))
    .select(knex.raw("SUM(CASE WHEN status = 'completed' THEN completed_at - COALESCE(started_at, created_at) ELSE 0 END) AS d"))
    .groupBy('status') as { status: string; n: unknown; b: unknown; d: unknown }[];
  const counts: PeriodCounts = { total: 0, by_status: {}, completed_bytes_sum: 0, completed_duration_ms_sum: 0 };
  for (const r of rows) {
    counts.by_status[r.status] = Number(r.n);
    counts.total += Number(r.n);
    counts.completed_bytes_sum += Number(r.b ?? 0);
    counts.completed_duration_ms_sum += Number(r.d ?? 0);
  }
  return counts;
}

/** A VM's report: its machine row (404 when unknown), the period's counts and its newest jobs. */
export async function machineReportData(store: Store, vmName: string, period: Period, defaults: DefaultPolicy): Promise<MachineReportData> {
  const machine = await getMachine(store, vmName, period.to_ms, defaults);
  const [counts, jobs] = await Promise.all([periodCounts(store, vmName, period.from_ms), periodJobs(store, vmName, period)]);
  return { period, machine, counts, jobs };
}

/**
 * The VM's newest jobs of the period in `GET /backups` order (newest first, then id), as lists read
 * them: without the chart JSON of `performance_metrics`, which a report of 2,000 jobs would otherwise
 * read in full and never print.
 */
async function periodJobs(store: Store, vmName: string, period: Period): Promise<BackupJob[]> {
  const rows = await store.knex(store.tables.jobs).select([...JOB_LIST_COLUMNS])
    .where('vm_name', vmName).andWhere('created_at', '>=', period.from_ms)
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(REPORT_LIMITS.historyRows) as Record<string, unknown>[];
  return rows.map((raw) => {
    const { job, disks } = storedJobFromDb(raw);
    return toBackupJob(job, disks, period.to_ms);
  });
}

export interface FleetReportData {
  period: Period;
  summary: FleetSummary;
  /** Most urgent first (`GET /machines?sort=status`), at most `REPORT_LIMITS.fleetMachines`. */
  machines: Machine[];
  machines_total: number;
  /** Ended jobs per UTC day of the period, from the 10-minute outcome buckets. */
  daily: DailyOutcomes[];
}

/** From the bucket holding the period's start, as `GET /fleet/summary` counts its windows (so `days=7` matches its 7 d window). */
async function dailyOutcomes(store: Store, period: Period): Promise<DailyOutcomes[]> {
  const { knex, tables } = store;
  const dayStart = `(bucket_start - (bucket_start % ${DAY_MS}))`;
  const rows = await knex(tables.outcomeBuckets).where('bucket_start', '>=', windowStart(period.to_ms, period.to_ms - period.from_ms))
    .whereIn('status', ['completed', 'failed', 'cancelled'])
    .select(knex.raw(`${dayStart} AS day_ms`), 'status').sum({ n: 'job_count' })
    .groupByRaw(`${dayStart}, status`) as { day_ms: unknown; status: 'completed' | 'failed' | 'cancelled'; n: unknown }[];
  const byDay = new Map<number, DailyOutcomes>();
  for (const r of rows) {
    const day_ms = Number(r.day_ms);
    const day = byDay.get(day_ms) ?? { day_ms, completed: 0, failed: 0, cancelled: 0 };
    day[r.status] += Number(r.n);
    byDay.set(day_ms, day);
  }
  return [...byDay.values()].sort((a, b) => a.day_ms - b.day_ms);
}

/** The fleet report: the summary's counters, VMs most urgent first (paged as `GET /machines` pages), daily outcomes. */
export async function fleetReportData(store: Store, period: Period, defaults: DefaultPolicy): Promise<FleetReportData> {
  const [summary, daily] = await Promise.all([fleetSummary(store, period.to_ms, defaults), dailyOutcomes(store, period)]);
  const machines: Machine[] = [];
  let total = 0;
  for (let cursor: string | null = null; machines.length < REPORT_LIMITS.fleetMachines;) {
    const page: MachineListResponse = await listMachinePage(store, { sort: 'status', limit: '500', ...(cursor ? { cursor } : {}) }, period.to_ms, defaults);
    machines.push(...page.machines);
    total = page.total;
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return { period, summary, machines: machines.slice(0, REPORT_LIMITS.fleetMachines), machines_total: total, daily };
}
