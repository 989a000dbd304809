import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartPoints, rollup, RollupState, type Sample } from '../src/index.js';
import { RunningRollups } from '../src/rollup/running.js';
import { metricsFromDb, metricsToDb } from '../src/store/metrics-json.js';
import type { JobRow } from '../src/store/rows.js';

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

describe('min/max bucket chart', () => {
  const at = (i: number, speed: number): Sample => ({ timestamp: 1_000_000 + i * 5000, bytes_transferred: i * 100, transfer_speed_bps: speed, progress_percent: 0, current_phase: null });

  it('keeps every point of a short series', () => {
    const s = [at(1, 5), at(2, 6), at(3, 7)];
    assert.deepEqual(chartPoints(s, 1_000_000, 200).map((p) => p.t), [5, 10, 15]);
  });

  it('bounds a long series to the maximum and keeps first, last and the true peak, in time order', () => {
    const n = 17_280;
    const s = Array.from({ length: n }, (_, i) => at(i + 1, (100 + Math.sin(i / 50) * 20) * MIB));
    s[12_345]!.transfer_speed_bps = 999 * MIB;
    for (const max of [200, 50, 3]) {
      const points = chartPoints(s, 1_000_000, max);
      const least = max === 3 ? 3 : max / 2 - 2; // at worst half the buckets, right after they merged
      assert.ok(points.length <= max && points.length >= least, `${points.length} points for at most ${max}`);
      assert.equal(points[0]!.t, 5);
      assert.equal(points[points.length - 1]!.t, n * 5);
      assert.ok(points.some((p) => p.s === 999 * MIB), `the peak survives at ${max} points, in bytes per second`);
      assert.deepEqual(points.map((p) => p.t), [...points.map((p) => p.t)].sort((a, b) => a - b), 'points stay in time order');
    }
  });

  it('keeps every sample of a series that fits, however close together they came', () => {
    const burst = Array.from({ length: 150 }, (_, i) => ({ ...at(1, 100), timestamp: 1_000_000 + i, progress_percent: i / 1.5 }));
    assert.deepEqual(chartPoints(burst, 1_000_000, 200).map((p) => p.p), burst.map((s) => Math.round(s.progress_percent * 10) / 10));
  });

  it('shows the slowest stretch as well as the fastest', () => {
    const s = Array.from({ length: 10_000 }, (_, i) => at(i + 1, (i === 4_000 ? 1 : 100) * MIB));
    assert.ok(chartPoints(s, 1_000_000, 200).some((p) => p.s === MIB), 'a dip to 1 MiB/s is on the chart');
  });
});

describe('rollup kept while the job runs', () => {
  const s = samples(17_280, 5, (i) => (i === 9_000 ? 480 : 120 + Math.sin(i / 40) * 30), (i) => (i < 100 ? 'snapshot' : i % 3000 === 0 ? `pass-${i}` : 'transferring'));
  const end = { completedAtMs: 1_000_000 + 86_400_000, bytesTransferred: s[s.length - 1]!.bytes_transferred };

  it('gives the same metrics fed one batch at a time as rolled up at the end', () => {
    const state = new RollupState(1_000_000, 200);
    for (let i = 0; i < s.length; i += 7) for (const x of s.slice(i, i + 7)) state.add(x);
    assert.deepEqual(state.metrics(end), rollup({ samples: s, startedAtMs: 1_000_000, maxChartPoints: 200, ...end }));
  });

  it('is used at the end only when it holds exactly the snapshots the job row counts', () => {
    const job = { id: 'j1', started_at: 1_000_000, created_at: 999_000, snapshot_count: 0 } as JobRow;
    const rows = s.slice(0, 10).map((x) => ({ ...x, job_id: 'j1', job_type: 'backup' as const, total_bytes: 0 }));
    const running = new RunningRollups(200);
    running.recordStored({ ...job, snapshot_count: 4 }, rows.slice(0, 4));
    running.recordStored({ ...job, snapshot_count: 6 }, rows.slice(4, 6));
    assert.equal(running.take(job, 6)?.count, 6, 'in step with the row: used');

    running.recordStored({ ...job, snapshot_count: 4 }, rows.slice(0, 4));
    running.recordStored({ ...job, snapshot_count: 7 }, rows.slice(4, 6)); // another instance stored one
    assert.equal(running.size, 0, 'out of step: dropped at once');
    assert.equal(running.take(job, 7), null);

    running.recordStored({ ...job, snapshot_count: 5 }, rows.slice(0, 4)); // this instance missed the first one
    assert.equal(running.take(job, 5), null, 'never started from the middle of a job');

    running.recordStored({ ...job, snapshot_count: null }, rows.slice(0, 4));
    assert.equal(running.take(job, null), null, 'a job registered before counting is never trusted');

    running.recordStored({ ...job, snapshot_count: 4 }, rows.slice(0, 4));
    assert.equal(running.take({ ...job, started_at: 1_000_001 }, 4), null, 'a different start: not this job\'s rollup');
  });

  it('holds a bounded number of jobs, dropping the least recently fed', () => {
    const running = new RunningRollups(200, 3);
    const row = (id: string) => ({ ...s[0]!, job_id: id, job_type: 'backup' as const, total_bytes: 0 });
    for (const id of ['a', 'b', 'c', 'd']) running.recordStored({ id, started_at: 0, created_at: 0, snapshot_count: 1 } as JobRow, [row(id)]);
    assert.equal(running.size, 3);
    assert.equal(running.take({ id: 'a', started_at: 0, created_at: 0 } as JobRow, 1), null, 'the oldest went first');
    assert.equal(running.take({ id: 'd', started_at: 0, created_at: 0 } as JobRow, 1)?.count, 1);
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
    assert.equal(m.chart_data[1]!.phase, 'snapshot', 'every point names its phase');
    assert.equal(m.chart_data[5]!.phase, 'transferring');
    assert.deepEqual(m.chart_data[3], { t: 8, s: 23 * MIB, p: 13.3, phase: 'snapshot' }, 'the documents\' point: s in whole bytes per second');
    const stored = metricsToDb(m);
    assert.equal(stored.chart_data[1]!.phase, undefined, 'the stored form names the phase only where it changes');
    assert.deepEqual(metricsFromDb(JSON.parse(JSON.stringify(stored))), m, 'and reads back as it was');
  });

  it('keeps a 24-hour job within a few KB and keeps its true peak', () => {
    const s = samples(17_280, 5, (i) => (i === 9_000 ? 480 : 120 + Math.sin(i / 40) * 30), (i) => (i < 100 ? 'snapshot' : 'transferring'));
    const m = rollup({ samples: s, startedAtMs: 1_000_000, completedAtMs: 1_000_000 + 86_400_000, bytesTransferred: s[s.length - 1]!.bytes_transferred, maxChartPoints: 200 });
    assert.ok(m.chart_data.length <= 200 && m.chart_data.length >= 100, `${m.chart_data.length} chart points`);
    assert.equal(Math.max(...m.chart_data.map((p) => p.s)), 480 * MIB);
    const size = JSON.stringify(metricsToDb(m)).length;
    assert.ok(size < 7500, `rollup is ${size} bytes as stored`);
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
