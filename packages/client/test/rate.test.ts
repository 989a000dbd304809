import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addSample, etaSeconds, speedBps, type ByteSample } from '../src/rate.js';

const MIB = 1024 * 1024;
const options = { windowMs: 10_000, minSpanMs: 500, maxSamples: 256 };

function feed(points: [number, number][]): ByteSample[] {
  return points.reduce<ByteSample[]>((samples, [atMs, bytes]) => addSample(samples, { atMs, bytes }, options), []);
}

describe('rate and ETA', () => {
  it('computes bytes per second from the byte counts alone', () => {
    const samples = feed([[0, 0], [1000, 100 * MIB], [2000, 200 * MIB]]);
    assert.equal(speedBps(samples, options), 100 * MIB);
  });

  it('smooths a dip over the window instead of reporting it raw', () => {
    // 100 MiB/s for 9 s, then one second at 10 MiB/s.
    const points: [number, number][] = [];
    for (let s = 0; s <= 9; s += 1) points.push([s * 1000, s * 100 * MIB]);
    points.push([10_000, 900 * MIB + 10 * MIB]);
    const speed = speedBps(feed(points), options)!;
    assert.ok(speed > 85 * MIB && speed < 100 * MIB, `smoothed speed ${speed / MIB} MiB/s`);
  });

  it('forgets samples older than the window', () => {
    const points: [number, number][] = [];
    for (let s = 0; s <= 30; s += 1) points.push([s * 1000, s < 20 ? s * 10 * MIB : 190 * MIB + (s - 19) * 50 * MIB]);
    const samples = feed(points);
    assert.ok(samples[0]!.atMs >= 20_000, `oldest kept sample at ${samples[0]!.atMs}`);
    assert.equal(speedBps(samples, options), 50 * MIB);
  });

  it('knows no speed from a single sample or a span too short to trust', () => {
    assert.equal(speedBps(feed([[0, 0]]), options), undefined);
    assert.equal(speedBps(feed([[0, 0], [100, 5 * MIB]]), options), undefined);
  });

  it('starts a fresh window when the byte count goes backwards', () => {
    const samples = feed([[0, 0], [1000, 100], [2000, 50]]);
    assert.deepEqual(samples, [{ atMs: 2000, bytes: 50 }]);
  });

  it('keeps at most maxSamples samples for a chatty caller', () => {
    let samples: ByteSample[] = [];
    for (let t = 0; t < 10_000; t += 1) samples = addSample(samples, { atMs: t, bytes: t * 1000 }, { ...options, maxSamples: 16 });
    assert.equal(samples.length, 16);
    assert.equal(speedBps(samples, options), 1_000_000);
  });

  it('derives the ETA from the remaining bytes and the speed', () => {
    assert.equal(etaSeconds(400 * MIB, 1000 * MIB, 100 * MIB), 6);
    assert.equal(etaSeconds(1000 * MIB, 1000 * MIB, 100 * MIB), 0);
    assert.equal(etaSeconds(10, undefined, 100), undefined);
    assert.equal(etaSeconds(10, 100, 0), undefined);
  });
});
