import cron from 'node-cron';

/** How far `nextRun` looks: four years and a day, so a 29 February schedule still finds its next leap day. */
export const SCHEDULE_SEARCH_DAYS = 4 * 365 + 2;

const DAY_MS = 86_400_000;

/** A cron expression's fields as node-cron parses them, with whether day-of-month and weekday are restricted. */
interface Fields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  days: (number | string)[];
  months: Set<number>;
  weekdays: (number | string)[];
  /** Cron's rule: with both fields restricted (neither starts with `*` or `?`), a day matching either runs. */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

/** True when node-cron accepts the expression (5 fields, or 6 with seconds first). */
export function isValidCron(expression: string): boolean {
  return cron.validate(expression);
}

function fieldsOf(expression: string): Fields {
  const parsed = cron.parse(expression);
  const raw = expression.trim().split(/\s+/);
  const [dayText, weekdayText] = raw.length === 6 ? [raw[3]!, raw[5]!] : [raw[2]!, raw[4]!];
  const restricted = (text: string) => !text.startsWith('*') && !text.startsWith('?');
  const asc = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
  return {
    seconds: asc(parsed.second), minutes: asc(parsed.minute), hours: asc(parsed.hour),
    days: parsed.dayOfMonth, months: new Set(parsed.month), weekdays: parsed.dayOfWeek,
    daysRestricted: restricted(dayText), weekdaysRestricted: restricted(weekdayText),
  };
}

const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const weekdayOf = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).getUTCDay();

/** Nearest weekday (Mon–Fri) to `target` within the month, as cron's `W` means it. */
function nearestWeekday(y: number, m: number, target: number): number {
  const last = lastDay(y, m);
  if (target < 1 || target > last) return -1;
  const wd = weekdayOf(y, m, target);
  if (wd === 6) return target === 1 ? 3 : target - 1;
  if (wd === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDay(values: (number | string)[], y: number, m: number, d: number): boolean {
  return values.some((v) => {
    if (typeof v === 'number') return v === d;
    if (v === 'L') return d === lastDay(y, m);
    const w = /^(\d{1,2}|L)W$/.exec(v);
    if (w) return nearestWeekday(y, m, w[1] === 'L' ? lastDay(y, m) : Number(w[1])) === d;
    const offset = /^L-(\d{1,2})$/.exec(v);
    return offset !== null && lastDay(y, m) - Number(offset[1]) === d;
  });
}

function matchesWeekday(values: (number | string)[], y: number, m: number, d: number): boolean {
  const wd = weekdayOf(y, m, d);
  return values.some((v) => {
    if (typeof v === 'number') return v % 7 === wd;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth) return Number(nth[1]) % 7 === wd && Math.floor((d - 1) / 7) + 1 === Number(nth[2]);
    const last = /^([0-7])L$/i.exec(v);
    return last !== null && Number(last[1]) % 7 === wd && d + 7 > lastDay(y, m);
  });
}

function runsOn(f: Fields, y: number, m: number, d: number): boolean {
  if (!f.months.has(m)) return false;
  if (f.daysRestricted && f.weekdaysRestricted) return matchesDay(f.days, y, m, d) || matchesWeekday(f.weekdays, y, m, d);
  return matchesDay(f.days, y, m, d) && matchesWeekday(f.weekdays, y, m, d);
}

/**
 * One formatter per time zone: building one costs far more than using it. A cache, not state: a
 * formatter is a pure function of its zone, and valid zone names are a bounded set (about 600).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, formatter);
  }
  return formatter;
}

/** The zone's wall clock at an instant, as epoch ms of the same fields read as UTC (seconds precision). */
function wallOf(formatter: Intl.DateTimeFormat, instantMs: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(instantMs))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
}

/**
 * The instant a wall-clock time happens in the zone: the first moment its clock reads that time or
 * later. So a time the clock repeats (autumn) runs once, at its first occurrence, and a time it skips
 * (spring) runs when the clock jumps past it, as cron does. Assumes at most one offset change within a
 * day either side, as every IANA zone has.
 */
function instantOf(formatter: Intl.DateTimeFormat, wallMs: number): number {
  const offset = (t: number) => wallOf(formatter, t) - Math.floor(t / 1000) * 1000;
  const early = offset(wallMs - DAY_MS);
  const late = offset(wallMs + DAY_MS);
  if (early === late) return wallMs - early; // no change near: the common case
  const fits = [wallMs - early, wallMs - late].filter((t) => wallOf(formatter, t) === wallMs);
  if (fits.length) return Math.min(...fits);
  // In a gap: the clock jumps from before wallMs to after it between the two guesses; find the jump.
  let lo = wallMs - late;
  let hi = wallMs - early;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (wallOf(formatter, mid) >= wallMs) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The first run of a cron schedule strictly after `afterMs`, in time zone `tz` (IANA), epoch ms; null
 * when there is none within `SCHEDULE_SEARCH_DAYS`. Day-of-month and weekday follow cron: when both are
 * restricted a day matching either runs; `L`, `W`, `L-n`, `nL` and `n#k` as node-cron reads them.
 * Walks the zone's calendar day by day (Intl.DateTimeFormat gives the zone's wall clock), so DST
 * changes are those of the zone; see `instantOf` for times a change skips or repeats. Pure.
 */
export function nextRun(expression: string, tz: string, afterMs: number): number | null {
  const f = fieldsOf(expression);
  const formatter = formatterOf(tz);
  const startWall = wallOf(formatter, afterMs);
  const start = new Date(startWall);
  for (let i = 0; i < SCHEDULE_SEARCH_DAYS; i++) {
    const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + i));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (!runsOn(f, y, m, d)) continue;
    for (const h of f.hours) {
      if (Date.UTC(y, m - 1, d, h, 59, 59) < startWall) continue;
      for (const min of f.minutes) {
        if (Date.UTC(y, m - 1, d, h, min, 59) < startWall) continue;
        for (const s of f.seconds) {
          const wall = Date.UTC(y, m - 1, d, h, min, s);
          if (wall < startWall) continue;
          // Instants grow with wall times (see instantOf), so the first one past afterMs is the answer.
          const at = instantOf(formatter, wall);
          if (at > afterMs) return at;
        }
      }
    }
  }
  return null;
}
