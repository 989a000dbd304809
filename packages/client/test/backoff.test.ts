import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, parseRetryAfter } from '../src/backoff.js';

const options = { initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: 0.5 };

describe('backoff', () => {
  it('doubles the delay per attempt up to the ceiling', () => {
    const noJitter = () => 0;
    assert.deepEqual([1, 2, 3, 4, 10, 50].map((a) => backoffDelayMs(a, options, noJitter)), [500, 1000, 2000, 4000, 30_000, 30_000]);
  });

  it('spreads retries between half and the full step', () => {
    assert.equal(backoffDelayMs(3, options, () => 1), 1000);
    assert.equal(backoffDelayMs(3, options, () => 0.5), 1500);
    for (let i = 0; i < 100; i += 1) {
      const d = backoffDelayMs(3, options);
      assert.ok(d >= 1000 && d <= 2000, `delay ${d}`);
    }
  });

  it('waits at least what Retry-After asks, even above the ceiling', () => {
    assert.equal(backoffDelayMs(1, options, () => 0, 2000), 2000);
    assert.equal(backoffDelayMs(1, options, () => 1, 2000), 2200);
    assert.equal(backoffDelayMs(1, options, () => 1, 120_000), 121_000);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('0.5'), 500);
    assert.equal(parseRetryAfter(new Date(1_000_000 + 7000).toUTCString(), 1_000_000), 7000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});
