import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FLEET } from '../src/fleet.js';
import { historySchedule, parseSpan } from '../src/history.js';
import { seededRng } from '../src/scenarios.js';

const DAY = 24 * 3600_000;

describe('history backfill schedule', () => {
  it('parses spans in days and hours, and refuses what the hub would reject', () => {
    assert.equal(parseSpan('3d'), 3 * DAY);
    assert.equal(parseSpan('36h'), 1.5 * DAY);
    assert.throws(() => parseSpan('8d'), /at most 6.5 days/);
    assert.throws(() => parseSpan('three days'), /span like 3d/);
    assert.throws(() => parseSpan('0d'), /longer than 0/);
  });

  it('plans one nightly job per VM inside the span, oldest first, starting each VM with a full', () => {
    const now = new Date('2025-03-12T09:00:00').getTime();
    const schedule = historySchedule(seededRng(1), 3 * DAY, now);
    assert.equal(schedule.length, 3 * FLEET.length);
    assert.ok(schedule.every((e) => e.start_ms >= now - 3 * DAY && e.start_ms < now));
    assert.ok(schedule.every((e, i) => i === 0 || e.start_ms >= schedule[i - 1].start_ms));
    for (const vm of FLEET) {
      const mine = schedule.filter((e) => e.vm.vm_name === vm.vm_name);
      assert.equal(mine[0].backup_type, 'full');
      assert.ok(mine.every((e) => new Date(e.start_ms).getHours() >= 22));
    }
    assert.ok(schedule.some((e) => e.backup_type === 'incremental'));
  });

  it('makes about one job in eight fail, each with a message', () => {
    const schedule = historySchedule(seededRng(2), 6 * DAY, Date.now());
    const failed = schedule.filter((e) => e.outcome.kind === 'fail');
    assert.ok(failed.length >= 1 && failed.length < schedule.length / 3, `${failed.length} of ${schedule.length}`);
    for (const e of failed) if (e.outcome.kind === 'fail') assert.ok(e.outcome.error.length > 0);
  });
});
