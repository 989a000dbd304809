import type { CalendarCell, CalendarOutcome } from '@backup-telemetry/contract';

export const DAY_MS = 86_400_000;
/** Farther than any time zone is from UTC (UTC+14). */
const MAX_OFFSET_MS = 15 * 3_600_000;

/** The jobs one VM created on one day, by status. */
export interface DayCounts {
  jobs: number;
  completed: number;
  failed: number;
  cancelled: number;
  running: number;
}

/** A stretch of time with one UTC offset: `offsetMs` applies to instants before `untilMs` (null: to the end). */
export interface OffsetSegment {
  untilMs: number | null;
  offsetMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

/** How far `tz`'s wall clock is ahead of UTC at instant `ms` (negative west of Greenwich), to the second. */
export function zoneOffsetMs(tz: string, ms: number): number {
  if (tz === 'UTC') return 0;
  const at = Math.floor(ms / 1000) * 1000;
  const p = Object.fromEntries(formatter(tz).formatToParts(at).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
}

/** `YYYY-MM-DD` of instant `ms` in `tz`. */
export const localDate = (tz: string, ms: number) => new Date(ms + zoneOffsetMs(tz, ms)).toISOString().slice(0, 10);

/**
 * `tz`'s offsets from `fromMs` to `toMs`, as segments split at each change. Sampled a day apart (zones
 * change offset months apart), each change then found to the millisecond by bisection.
 */
export function offsetSegments(tz: string, fromMs: number, toMs: number): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  let at = fromMs;
  let offset = zoneOffsetMs(tz, at);
  while (at < toMs) {
    const next = Math.min(toMs, at + DAY_MS);
    const nextOffset = zoneOffsetMs(tz, next);
    if (nextOffset !== offset) {
      let lo = at; // offset holds at lo, not at hi
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zoneOffsetMs(tz, mid) === offset) lo = mid;
        else hi = mid;
      }
      segments.push({ untilMs: hi, offsetMs: offset });
      offset = nextOffset;
    }
    at = next;
  }
  segments.push({ untilMs: null, offsetMs: offset });
  return segments;
}

/**
 * The calendar's days: `days` dates in `tz` ending today, oldest first, and an instant no later than
 * the first one's start (jobs read from there that fall on the day before are dropped by date).
 */
export function calendarDays(nowMs: number, days: number, tz = 'UTC'): { dates: string[]; startMs: number } {
  const todayMs = Date.parse(`${localDate(tz, nowMs)}T00:00:00Z`);
  const firstMs = todayMs - (days - 1) * DAY_MS;
  const dates = Array.from({ length: days }, (_, i) => new Date(firstMs + i * DAY_MS).toISOString().slice(0, 10));
  return { dates, startMs: tz === 'UTC' ? firstMs : firstMs - MAX_OFFSET_MS };
}

/** A day's outcome: failure and success together are `mixed`; a failure outweighs a cancel, a success a cancel. */
export function dayOutcome(c: DayCounts): CalendarOutcome {
  if (c.jobs === 0) return 'none';
  if (c.completed > 0 && c.failed > 0) return 'mixed';
  if (c.failed > 0) return 'failed';
  if (c.completed > 0) return 'success';
  if (c.cancelled > 0) return 'cancelled';
  return 'running';
}

const EMPTY: DayCounts = { jobs: 0, completed: 0, failed: 0, cancelled: 0, running: 0 };

/** One cell per date, from the counts of the days that had jobs (keyed by `YYYY-MM-DD`). */
export function calendarCells(dates: readonly string[], counts: ReadonlyMap<string, DayCounts>): CalendarCell[] {
  return dates.map((date) => {
    const c = counts.get(date) ?? EMPTY;
    return { date, outcome: dayOutcome(c), ...c };
  });
}
