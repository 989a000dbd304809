import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RateLimiter, RATE_LIMITER_MAX_BYTES } from '../src/access/rate-limit.js';
import { backends } from './support/backends.js';
import { startLiveHub, type LiveHub } from './support/live.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

/** Heap in use after full collections: what the process keeps for good. */
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

describe('memory under floods of unique keys', () => {
  let hub: LiveHub;
  before(async () => { hub = await startLiveHub(backends()[0]!); });
  after(async () => { await hub?.close(); });

  it('keeps nothing of 1,000 socket updates with unique 60 KB job ids: each is refused 400 naming job_id', async () => {
    const socket = await hub.client();
    const flood = async (n: number, tag: string) => {
      const codes = new Set<string>();
      for (let sent = 0; sent < n; sent += 50) {
        const acks = await Promise.all(Array.from({ length: 50 }, (_, i) =>
          socket.timeout(10_000).emitWithAck('telemetry', { job_type: 'backup', job_id: `${tag}${sent + i}-`.padEnd(60_000, 'x'), status: 'running' })));
        for (const ack of acks) codes.add(`${ack.error?.status} ${ack.error?.field}`);
      }
      return codes;
    };
    await flood(100, 'warm'); // buffers and code paths the flood itself needs
    const before = heapAfterGc();
    assert.deepEqual([...await flood(1000, 'bad')], ['400 job_id']);
    const grownMb = (heapAfterGc() - before) / MB;
    assert.ok(grownMb < 16, `the heap grew by ${grownMb.toFixed(1)} MB after 60 MB of bad ids`);
  });
});

describe('rate limiter memory', () => {
  it('holds at most its byte budget however many unique valid keys arrive in one minute, in linear time', { timeout: 30_000 }, () => {
    const limiter = new RateLimiter(600, () => 1_000);
    const before = heapAfterGc();
    for (let i = 0; i < 300_000; i++) limiter.hit(`backup/${String(i).padStart(64, 'j')}`, 'job');
    const grownMb = (heapAfterGc() - before) / MB;
    assert.ok(limiter.sizeBytes <= RATE_LIMITER_MAX_BYTES, `accounted ${limiter.sizeBytes} B`);
    assert.ok(grownMb < RATE_LIMITER_MAX_BYTES / MB + 6, `the heap grew by ${grownMb.toFixed(1)} MB for 300,000 keys (≈ 90 MB unbounded)`);
  });

  it('still limits the keys it holds, and forgets every key when the minute turns', () => {
    let nowMs = 60_000;
    const limiter = new RateLimiter(2, () => nowMs, { maxBytes: 10_000 });
    limiter.hit('job/a', 'job a');
    limiter.hit('job/a', 'job a');
    assert.throws(() => limiter.hit('job/a', 'job a'), /job a sent more than 2 updates this minute/);
    for (let i = 0; i < 1000; i++) limiter.hit(`job/${i}`, 'job');
    assert.ok(limiter.sizeBytes <= 10_000 && limiter.size < 1000, `${limiter.size} keys, ${limiter.sizeBytes} B`);
    nowMs += 60_000;
    limiter.hit('job/b', 'job b');
    assert.equal(limiter.size, 1);
  });
});
