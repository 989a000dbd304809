import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downsampleIndices, rollup, type Sample } from '../src/index.js';

const MIB = 1_048_576;

/** A job sampled every `stepSeconds`, moving `speedMibps(i)` MiB/s, in the given phases. */
function samples(count: number, stepSeconds: number, speedMibps: (i: number) => number, phase = (_i: number) => 'transferring'): Sample[] {
  let bytes = 0;
  return Array.from({ length: count }, (_, i) => {
    const speed = speedMibps(i) * MIB;
    bytes += speed * stepSeconds;
    return { timestamp: 1_000_000 + (i + 1) * stepSeconds * 1000, bytes_transferred: bytes, transfer_speed_bps: speed, progress_percent: ((i + 1) / count) * 100, current_phase: phase(i) };
  });
}

describe('downsampling', () => {
  it('keeps every point of a short series', () => {
    assert.deepEqual(downsampleIndices([0, 1, 2], [5, 6, 7], 200), [0, 1, 2]);
  });

  it('bounds a long series to the maximum and keeps first, last and the true peak', () => {
    const n = 17_280;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => 100 + Math.sin(i / 50) * 20);
    y[12_345] = 999;
    const kept = downsampleIndices(x, y, 200);
    assert.equal(kept.length, 200);
    assert.equal(kept[0], 0);
    assert.equal(kept[kept.length - 1], n - 1);
    assert.ok(kept.includes(12_345), 'the peak survives');
    assert.deepEqual([...kept].sort((a, b) => a - b), kept, 'indices stay in time order');
  });
});

describe('rollup', () => {
  it('runs the duration from started_at to completed_at', () => {
    const s = samples(10, 5, () => 10);
    const m = rollup({ samples: s, startedAtMs: 1_000_000, completedAtMs: 1_000_000 + 312_000, bytesTransferred: 500 * MIB, maxChartPoints: 200 });
    assert.equal(m.duration_seconds, 312);
  });

  it('averages bytes moved over time spent moving them, not the mean of samples', () => {
    // 10 s at 100 MiB/s, then 50 s of a stalled transfer reporting 0 MiB/s, then 10 s at 100 MiB/s.
    const s = samples(70, 1, (i) => (i < 10 || i >= 60 ? 100 : 0));
    const bytes = s[s.length - 1]!.bytes_transferred;
    const m = rollup({ samples: s, startedAtMs: 1_000_000, completedAtMs: 1_000_000 + 70_000, bytesTransferred: bytes, maxChartPoints: 200 });
    assert.equal(m.transfer_seconds, 20);
    assert.equal(m.avg_speed_mbps, 100);
    assert.equal(m.peak_speed_mbps, 100);
    const meanOfSamples = s.reduce((a, x) => a + x.transfer_speed_bps, 0) / s.length / MIB;
    assert.ok(meanOfSamples < 30, 'the naive mean would have said under 30 MiB/s');
  });

  it('reports peak, min and MiB/s figures and phase spans', () => {
    const s = samples(30, 2, (i) => 20 + i, (i) => (i < 5 ? 'snapshot' : i < 25 ? 'transferring' : 'finalizing'));
    const m = rollup({ samples: s, startedAtMs: 1_000_000, completedAtMs: 1_000_000 + 60_000, bytesTransferred: s[29]!.bytes_transferred, maxChartPoints: 200 });
    assert.equal(m.peak_speed_bps, 49 * MIB);
    assert.equal(m.peak_speed_mbps, 49);
    assert.equal(m.min_speed_bps, 20 * MIB);
    assert.deepEqual(m.phases.map((p) => p.phase), ['snapshot', 'transferring', 'finalizing']);
    assert.equal(m.phases[1]!.start_t, 12);
    assert.equal(m.phases[2]!.end_t, 60);
    assert.equal(m.chart_data[0]!.phase, 'snapshot');
    assert.equal(m.chart_data[1]!.phase, undefined, 'phase is only repeated where it changes');
    assert.equal(m.chart_data[5]!.phase, 'transferring');
  });

  it('keeps a 24-hour job within a few KB and keeps its true peak', () => {
    const s = samples(17_280, 5, (i) => (i === 9_000 ? 480 : 120 + Math.sin(i / 40) * 30), (i) => (i < 100 ? 'snapshot' : 'transferring'));
    const m = rollup({ samples: s, startedAtMs: 1_000_000, completedAtMs: 1_000_000 + 86_400_000, bytesTransferred: s[s.length - 1]!.bytes_transferred, maxChartPoints: 200 });
    assert.equal(m.chart_data.length, 200);
    assert.equal(Math.max(...m.chart_data.map((p) => p.s)), 480);
    const size = JSON.stringify(m).length;
    assert.ok(size < 7000, `rollup is ${size} bytes`);
  });

  it('never reports a peak below the average when the samples missed the fastest stretch', () => {
    const s: Sample[] = [
      { timestamp: 1_000, bytes_transferred: 0, transfer_speed_bps: 10 * MIB, progress_percent: 0, current_phase: 'transferring' },
      { timestamp: 3_000, bytes_transferred: 200 * MIB, transfer_speed_bps: 20 * MIB, progress_percent: 100, current_phase: 'transferring' },
    ];
    const m = rollup({ samples: s, startedAtMs: 0, completedAtMs: 3_000, bytesTransferred: 200 * MIB, maxChartPoints: 200 });
    assert.equal(m.avg_speed_mbps, 100);
    assert.ok(m.peak_speed_mbps >= m.avg_speed_mbps);
  });

  it('handles a job that ended with no samples (zero speed, duration still real)', () => {
    const m = rollup({ samples: [], startedAtMs: 0, completedAtMs: 42_000, bytesTransferred: 0, maxChartPoints: 200 });
    assert.equal(m.duration_seconds, 42);
    assert.equal(m.avg_speed_bps, 0);
    assert.equal(m.min_speed_bps, 0);
    assert.deepEqual(m.chart_data, []);
  });
});
