import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { markSent, milestoneOf, sendReason, type CadenceState, type SentMark } from '../src/cadence.js';

const options = { intervalMs: 5000, milestonePercent: 10 };

/** Runs a sequence of (time, state) reports through the cadence, as the reporter does. */
function simulate(reports: [number, CadenceState][]): { atMs: number; reason: string }[] {
  let last: SentMark | undefined;
  const sent: { atMs: number; reason: string }[] = [];
  for (const [atMs, state] of reports) {
    const reason = sendReason(last, state, atMs, options);
    if (reason === null) continue;
    sent.push({ atMs, reason });
    last = markSent(last, state, atMs, options);
  }
  return sent;
}

describe('cadence', () => {
  it('always sends the first report', () => {
    assert.equal(sendReason(undefined, { progressPercent: 0.2 }, 0, options), 'start');
  });

  it('holds reports back between milestones until 5 s have passed', () => {
    const reports: [number, CadenceState][] = [];
    for (let t = 0; t <= 12_000; t += 1000) reports.push([t, { status: 'running', phase: 'transferring', progressPercent: 1 + t / 10_000 }]);
    assert.deepEqual(simulate(reports), [
      { atMs: 0, reason: 'start' },
      { atMs: 5000, reason: 'interval' },
      { atMs: 10_000, reason: 'interval' },
    ]);
  });

  it('sends as soon as progress crosses a 10 % milestone, once per milestone', () => {
    const sent = simulate([
      [0, { progressPercent: 8 }],
      [100, { progressPercent: 9.9 }],
      [200, { progressPercent: 10 }],
      [300, { progressPercent: 10.5 }],
      [400, { progressPercent: 19.99 }],
      [500, { progressPercent: 45 }],
      [600, { progressPercent: 49 }],
      [700, { progressPercent: 100 }],
    ]);
    assert.deepEqual(sent.map((s) => [s.atMs, s.reason]), [[0, 'start'], [200, 'milestone'], [500, 'milestone'], [700, 'milestone']]);
  });

  it('sends every phase change and every status change at once', () => {
    const sent = simulate([
      [0, { status: 'running', phase: 'snapshot' }],
      [10, { status: 'running', phase: 'snapshot' }],
      [20, { status: 'running', phase: 'transferring' }],
      [30, { status: 'running', phase: 'finalizing' }],
      [40, { status: 'completed', phase: 'finalizing' }],
    ]);
    assert.deepEqual(sent.map((s) => s.reason), ['start', 'phase', 'phase', 'end']);
  });

  it('treats every terminal status as an end, even without other changes', () => {
    const last = markSent(undefined, { status: 'failed' }, 0, options);
    assert.equal(sendReason(last, { status: 'failed' }, 1, options), 'end');
    assert.equal(sendReason(last, { status: 'cancelled' }, 1, options), 'end');
  });

  it('does not re-send a milestone when progress goes back and forth', () => {
    let last = markSent(undefined, { progressPercent: 25 }, 0, options);
    last = markSent(last, { progressPercent: 15 }, 10, options);
    assert.equal(last.milestone, 2);
    assert.equal(sendReason(last, { progressPercent: 29 }, 20, options), null);
  });

  it('counts milestones without floating-point surprises', () => {
    assert.equal(milestoneOf(0.1 * 3 * 100, 10), 3);
    assert.equal(milestoneOf(undefined, 10), -1);
    assert.equal(milestoneOf(100, 10), 10);
  });
});
