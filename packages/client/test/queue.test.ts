import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox, type EntryKind } from '../src/queue.js';

function fill(outbox: Outbox<string>, kinds: EntryKind[]): void {
  kinds.forEach((kind, i) => outbox.push(kind, `${kind}${i}`));
}

describe('outbox overflow policy', () => {
  it('drops the oldest plain state first and keeps the newest state', () => {
    const outbox = new Outbox<string>(4);
    fill(outbox, ['milestone', 'state', 'state', 'milestone']);
    const { dropped } = outbox.push('state', 'newest');
    assert.deepEqual(dropped.map((e) => e.body), ['state1']);
    assert.deepEqual(outbox.entries().map((e) => e.body), ['milestone0', 'state2', 'milestone3', 'newest']);
  });

  it('drops the oldest milestone only when no plain state is left', () => {
    const outbox = new Outbox<string>(3);
    fill(outbox, ['milestone', 'milestone', 'milestone']);
    const { dropped } = outbox.push('state', 'newest');
    assert.deepEqual(dropped.map((e) => e.body), ['milestone0']);
    assert.deepEqual(outbox.entries().map((e) => e.body), ['milestone1', 'milestone2', 'newest']);
  });

  it('never drops the end of the job', () => {
    const outbox = new Outbox<string>(2);
    fill(outbox, ['milestone', 'end']);
    outbox.push('state', 'late');
    assert.ok(outbox.entries().some((e) => e.kind === 'end'));
    assert.equal(outbox.size, 2);
  });

  it('never drops the update that is on the wire', () => {
    const outbox = new Outbox<string>(2);
    fill(outbox, ['state', 'state']);
    outbox.setBusy(outbox.peek());
    outbox.push('state', 'newest');
    assert.deepEqual(outbox.entries().map((e) => e.body), ['state0', 'newest']);
  });

  it('keeps every milestone and the end through a long outage at the default capacity', () => {
    // A 10-minute outage: one plain state every 5 s, ten milestones, three phases, one end.
    const outbox = new Outbox<string>(100);
    let milestones = 0;
    for (let t = 0; t < 120; t += 1) {
      if (t % 12 === 0) { outbox.push('milestone', `m${milestones}`); milestones += 1; }
      outbox.push('state', `s${t}`);
    }
    outbox.push('end', 'end');
    const kept = outbox.entries();
    assert.equal(kept.length, 100);
    assert.equal(kept.filter((e) => e.kind === 'milestone').length, milestones);
    assert.equal(kept.at(-1)!.body, 'end');
    assert.equal(kept.at(-2)!.body, 's119');
  });

  it('delivers in order', () => {
    const outbox = new Outbox<string>(10);
    fill(outbox, ['milestone', 'state', 'end']);
    const order: string[] = [];
    for (let e = outbox.peek(); e; e = outbox.peek()) { order.push(e.body); outbox.remove(e); }
    assert.deepEqual(order, ['milestone0', 'state1', 'end2']);
  });

  it('refuses a capacity that could not hold a milestone and the end', () => {
    assert.throws(() => new Outbox(1), RangeError);
  });
});
