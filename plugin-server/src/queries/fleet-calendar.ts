import { CALENDAR_DAYS, POLICY_LIMITS, invalid, isTimeZone, type FleetCalendarResponse } from '@backup-telemetry/contract';
import { DAY_MS, calendarCells, calendarDays, offsetSegments, type DayCounts, type OffsetSegment } from '../fleet/calendar.js';
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

/** `tz`: an IANA time zone such as `Europe/Berlin`, default `UTC`. */
export function parseCalendarZone(raw: unknown): string {
  if (raw === undefined || raw === '') return 'UTC';
  if (typeof raw !== 'string' || raw.length > POLICY_LIMITS.maxTzLength || !isTimeZone(raw)) throw invalid('tz', 'must be an IANA time zone such as Europe/Berlin or UTC');
  return new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone;
}

const count = (v: unknown) => Number(v ?? 0);

/** SQL of the start of a job's local day, as a local epoch-ms midnight: created_at moved by its segment's offset, floored to the day. */
function localDaySql(segments: readonly OffsetSegment[]): string {
  const int = (n: number) => {
    if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
    return String(n);
  };
  const offset = segments.length === 1
    ? int(segments[0]!.offsetMs)
    : `CASE ${segments.map((s) => (s.untilMs === null ? `ELSE ${int(s.offsetMs)}` : `WHEN created_at < ${int(s.untilMs)} THEN ${int(s.offsetMs)}`)).join(' ')} END`;
  const local = `(created_at + ${offset})`;
  return `(${local} - ${local} % ${DAY_MS})`;
}

/**
 * The page's VMs' jobs created since `startMs`, counted per VM, local day and status: one grouped read
 * over the (vm_name, repository_id, created_at) index. The day is integer arithmetic on SQLite and
 * MariaDB alike (epoch ms are positive), the zone's offsets a CASE over the range's few segments.
 */
async function dayCounts(store: Store, vmNames: string[], startMs: number, segments: readonly OffsetSegment[]): Promise<Map<string, Map<string, DayCounts>>> {
  const byVm = new Map<string, Map<string, DayCounts>>();
  if (vmNames.length === 0) return byVm;
  const { knex, tables } = store;
  const statusCount = (s: string) => knex.raw(`SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS ??`, [s, s]);
  const rows = await knex(tables.jobs)
    .select('vm_name', knex.raw(`${localDaySql(segments)} AS day_ms`))
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
 * `limit` and `cursor`, each VM with one cell per day (in `tz`) of the last `days`. Three reads: the
 * page, its count, and one grouped read of the page's jobs.
 */
export async function fleetCalendar(store: Store, rawQuery: Record<string, unknown>, nowMs: number, defaults: DefaultPolicy): Promise<FleetCalendarResponse> {
  const days = parseCalendarDays(rawQuery.days);
  const tz = parseCalendarZone(rawQuery.tz);
  const query = parseMachineQuery(rawQuery);
  const { dates, startMs } = calendarDays(nowMs, days, tz);
  const page = await machinePage(store, query, nowMs, defaults);
  const names = page.rows.map((r) => String(r.vm_name));
  const counts = await dayCounts(store, names, startMs, offsetSegments(tz, startMs, nowMs + DAY_MS));
  return {
    days: dates,
    tz,
    machines: page.rows.map((raw, i) => {
      const { status, reason } = pageRowProtection(raw, defaults, nowMs);
      return { vm_name: names[i]!, protection: { status, reason }, cells: calendarCells(dates, counts.get(names[i]!) ?? new Map()) };
    }),
    next_cursor: page.next_cursor,
    total: page.total,
  };
}
