import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRun } from '../src/protection/schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The first `n` runs after `from`, each searched from the one before. */
function runs(cron: string, tz: string, from: string, n: number): (string | null)[] {
  const out: (string | null)[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = nextRun(cron, tz, t);
    out.push(iso(next));
    if (next === null) break;
    t = next;
  }
  return out;
}

describe('nextRun: the next scheduled backup', () => {
  it('runs daily 02:00 Europe/Berlin at 01:00 UTC in winter time and 00:00 UTC in summer time', () => {
    // Berlin moves from UTC+1 to UTC+2 on 2026-03-29 at 02:00 local.
    assert.deepEqual(runs('0 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 4), [
      '2026-03-28T01:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z', '2026-03-31T00:00:00.000Z',
    ]);
  });

  it('runs a time the spring change skips when the clock jumps past it, and a repeated autumn time once', () => {
    assert.deepEqual(runs('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 2), ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    // 2026-10-25 02:30 happens twice in Berlin (00:30 and 01:30 UTC): one run, the first.
    assert.deepEqual(runs('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('skips the weekend for a weekdays-only schedule', () => {
    // 2026-12-04 is a Friday.
    assert.deepEqual(runs('0 9 * * 1-5', 'UTC', '2026-12-04T10:00:00Z', 2), ['2026-12-07T09:00:00.000Z', '2026-12-08T09:00:00.000Z']);
  });

  it('runs every 15 minutes, strictly after the given instant', () => {
    assert.deepEqual(runs('*/15 * * * *', 'America/New_York', '2026-12-04T10:07:31.500Z', 3), [
      '2026-12-04T10:15:00.000Z', '2026-12-04T10:30:00.000Z', '2026-12-04T10:45:00.000Z',
    ]);
    assert.equal(iso(nextRun('*/15 * * * *', 'UTC', at('2026-12-04T10:15:00Z'))), '2026-12-04T10:30:00.000Z');
  });

  it('runs on a day matching either day of month or weekday when both are restricted, as cron does', () => {
    // The 13th, or any Friday (2026-12-04, 11, 18 are Fridays; the 13th is a Sunday).
    assert.deepEqual(runs('0 0 13 * 5', 'UTC', '2026-12-01T00:00:00Z', 4), [
      '2026-12-04T00:00:00.000Z', '2026-12-11T00:00:00.000Z', '2026-12-13T00:00:00.000Z', '2026-12-18T00:00:00.000Z',
    ]);
  });

  it('understands a seconds field, the last day of the month and the nth weekday', () => {
    assert.equal(iso(nextRun('30 0 3 * * *', 'UTC', at('2026-12-02T03:00:30Z'))), '2026-12-03T03:00:30.000Z');
    assert.equal(iso(nextRun('0 22 L * *', 'UTC', at('2027-02-01T00:00:00Z'))), '2027-02-28T22:00:00.000Z');
    assert.equal(iso(nextRun('0 1 * * 1#2', 'UTC', at('2026-12-01T00:00:00Z'))), '2026-12-14T01:00:00.000Z');
  });

  it('finds the next 29 February within its four-year search', () => {
    assert.equal(iso(nextRun('0 0 29 2 *', 'UTC', at('2026-12-01T00:00:00Z'))), '2028-02-29T00:00:00.000Z');
    assert.equal(nextRun('0 0 29 2 1', 'UTC', at('2026-12-01T00:00:00Z')) !== null, true, 'OR rule: any Monday also runs');
  });
});
