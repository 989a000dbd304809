import type { CalendarCell, CalendarOutcome } from '@backup-telemetry/contract';

export const DAY_MS = 86_400_000;

/** The jobs one VM created on one UTC day, by status. */
export interface DayCounts {
  jobs: number;
  completed: number;
  failed: number;
  cancelled: number;
  running: number;
}

/** The calendar's days: `days` UTC dates ending today, oldest first, and the first one's midnight. */
export function calendarDays(nowMs: number, days: number): { dates: string[]; startMs: number } {
  const todayMs = nowMs - (nowMs % DAY_MS);
  const startMs = todayMs - (days - 1) * DAY_MS;
  const dates = Array.from({ length: days }, (_, i) => new Date(startMs + i * DAY_MS).toISOString().slice(0, 10));
  return { dates, startMs };
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
