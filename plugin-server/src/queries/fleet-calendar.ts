import { CALENDAR_DAYS, invalid, type FleetCalendarResponse } from '@backup-telemetry/contract';
import { DAY_MS, calendarCells, calendarDays, type DayCounts } from '../fleet/calendar.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import type { Store } from '../store/index.js';
import { machinePage, pageRowProtection } from './fleet.js';
import { parseMachineQuery } from './machine-list.js';

/** `days`: a whole number from 1 to 90, default 30. */
export function parseCalendarDays(raw: unknown): number {
  if (raw === undefined || raw === '') return CALENDAR_DAYS.defaultDays;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > CALENDAR_DAYS.maxDays) {
    throw invalid('days', `must be a whole number from 1 to ${CALENDAR_DAYS.maxDays}`);
  }
  return Number(raw);
}

const count = (v: unknown) => Number(v ?? 0);

/**
 * The page's VMs' jobs created since `startMs`, counted per VM, UTC day and status: one grouped read
 * over the (vm_name, repository_id, created_at) index. `created_at % DAY_MS` is integer arithmetic on
 * SQLite and MariaDB alike (epoch ms are positive).
 */
async function dayCounts(store: Store, vmNames: string[], startMs: number): Promise<Map<string, Map<string, DayCounts>>> {
  const byVm = new Map<string, Map<string, DayCounts>>();
  if (vmNames.length === 0) return byVm;
  const { knex, tables } = store;
  const statusCount = (s: string) => knex.raw(`SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS ??`, [s, s]);
  const rows = await knex(tables.jobs)
    .select('vm_name', knex.raw(`(created_at - created_at % ${DAY_MS}) AS day_ms`))
    .count({ jobs: '*' })
    .select(statusCount('completed'), statusCount('failed'), statusCount('cancelled'))
    .whereIn('vm_name', vmNames).where('created_at', '>=', startMs)
    .groupBy('vm_name', 'day_ms') as Record<string, unknown>[];
  for (const r of rows) {
    const vm = String(r.vm_name);
    const jobs = count(r.jobs);
    const c = { jobs, completed: count(r.completed), failed: count(r.failed), cancelled: count(r.cancelled), running: 0 };
    c.running = jobs - c.completed - c.failed - c.cancelled;
    const days = byVm.get(vm) ?? new Map<string, DayCounts>();
    days.set(new Date(Number(r.day_ms)).toISOString().slice(0, 10), c);
    byVm.set(vm, days);
  }
  return byVm;
}

/**
 * `GET /fleet/calendar`: the page `GET /machines` answers for the same `status`, `q`, `sort`, `order`,
 * `limit` and `cursor`, each VM with one cell per UTC day of the last `days`. Three reads: the page,
 * its count, and one grouped read of the page's jobs.
 */
export async function fleetCalendar(store: Store, rawQuery: Record<string, unknown>, nowMs: number, defaults: DefaultPolicy): Promise<FleetCalendarResponse> {
  const days = parseCalendarDays(rawQuery.days);
  const query = parseMachineQuery(rawQuery);
  const { dates, startMs } = calendarDays(nowMs, days);
  const page = await machinePage(store, query, nowMs, defaults);
  const names = page.rows.map((r) => String(r.vm_name));
  const counts = await dayCounts(store, names, startMs);
  return {
    days: dates,
    machines: page.rows.map((raw, i) => {
      const { status, reason } = pageRowProtection(raw, defaults, nowMs);
      return { vm_name: names[i]!, protection: { status, reason }, cells: calendarCells(dates, counts.get(names[i]!) ?? new Map()) };
    }),
    next_cursor: page.next_cursor,
    total: page.total,
  };
}
