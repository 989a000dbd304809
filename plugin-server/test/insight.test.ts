import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bottleneckOf, earlyWarnings, findAnomalies, type PastJob } from '../src/insight/index.js';
import { resolveOptions } from '../src/options.js';

const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 2, 0);

/** A VM's nightly history: job `i` ends on day `i`, with the size, duration and status the caller picks. */
function nightly(count: number, of: (i: number) => { bytes?: number; seconds?: number; status?: string; type?: string }): PastJob[] {
  return Array.from({ length: count }, (_, i) => {
    const { bytes = 10 * GIB, seconds = 1800, status = 'completed', type = 'incremental' } = of(i);
    const started_at = T0 + i * DAY_MS;
    return { id: `job-${i}`, job_type: 'backup', backup_type: type, status, bytes_transferred: bytes, started_at, completed_at: started_at + seconds * 1000 };
  });
}

/** ±5% of noise, the same every run. */
const wobble = (i: number) => 1 + 0.05 * Math.sin(i * 1.7);

function tonight(history: PastJob[], bytes: number, seconds: number, status = 'completed'): PastJob {
  const started_at = T0 + history.length * DAY_MS;
  return { id: 'tonight', job_type: 'backup', backup_type: 'incremental', status, bytes_transferred: bytes, started_at, completed_at: started_at + seconds * 1000 };
}

describe('anomalies against the VM\'s own history', () => {
  const steady = nightly(20, (i) => ({ bytes: 10 * GIB * wobble(i), seconds: 1800 * wobble(i + 3) }));

  it('raises nothing for a steady VM', () => {
    for (let i = 5; i < steady.length; i++) assert.deepEqual(findAnomalies(steady[i]!, steady.slice(0, i)), [], `job ${i}`);
    assert.deepEqual(findAnomalies(tonight(steady, 10.3 * GIB, 1750), steady), []);
  });

  it('raises one critical finding for a 10× incremental, with its numbers', () => {
    const found = findAnomalies(tonight(steady, 100 * GIB, 1800), steady);
    assert.equal(found.length, 1);
    const [a] = found;
    assert.equal(a!.metric, 'bytes_transferred');
    assert.equal(a!.direction, 'high');
    assert.equal(a!.severity, 'critical');
    assert.equal(a!.value, 100 * GIB);
    assert.ok(Math.abs(a!.baseline - 10 * GIB) < 0.2 * GIB, `baseline ${a!.baseline}`);
    assert.ok(a!.ratio > 9.5 && a!.ratio < 10.5, `ratio ${a!.ratio}`);
    assert.equal(a!.jobs, 20);
    assert.match(a!.message, /^10× the usual size for an incremental \(100 GiB; usually 10\.\d GiB\)$/);
  });

  it('warns on a 2.7× incremental in the words an admin reads', () => {
    const [a] = findAnomalies(tonight(steady, 27 * GIB, 1800), steady, { ...defaults(), highRatio: 2 });
    assert.equal(a?.severity, 'warning');
    assert.match(a!.message, /^2\.7× the usual size for an incremental/);
  });

  it('flags a 3-second "success" as far too short and far too small', () => {
    const found = findAnomalies(tonight(steady, 20 * 1024 ** 2, 3), steady);
    const duration = found.find((a) => a.metric === 'duration_seconds');
    assert.equal(duration?.direction, 'low');
    assert.equal(duration?.severity, 'critical');
    assert.equal(duration?.value, 3);
    assert.match(duration!.message, /^0\.2% of the usual duration for an incremental \(3s; usually \d+m\d+s\)$/);
    assert.equal(found.find((a) => a.metric === 'bytes_transferred')?.direction, 'low');
  });

  it('flags a job at a third of its usual speed', () => {
    const [a, ...rest] = findAnomalies(tonight(steady, 10 * GIB, 1800 * 3.5), steady);
    assert.equal(a?.metric, 'duration_seconds');
    assert.equal(rest[0]?.metric, 'avg_speed_bps');
    assert.equal(rest[0]?.direction, 'low');
    assert.match(rest[0]!.message, /% of the usual speed for an incremental \(\d+(\.\d+)? MiB\/s; usually \d+(\.\d+)? MiB\/s\)$/);
  });

  it('gives no verdict from too little data', () => {
    const few = steady.slice(0, 4);
    assert.deepEqual(findAnomalies(tonight(few, 100 * GIB, 3), few), []);
  });

  it('compares only with completed jobs of the same backup type', () => {
    const mixed = nightly(20, (i) => (i % 2 ? { bytes: 500 * GIB, seconds: 9000, type: 'full' } : { bytes: 10 * GIB, status: i % 4 ? 'completed' : 'failed' }));
    assert.deepEqual(findAnomalies(tonight(mixed, 10 * GIB, 1800), mixed), []);
    assert.equal(findAnomalies({ ...tonight(mixed, 500 * GIB, 9000), backup_type: 'full' }, mixed).length, 0);
  });

  it('leaves a VM whose sizes always vary alone, and one that often moves ten times as much', () => {
    const noisy = nightly(20, (i) => ({ bytes: (4 + ((i * 7) % 20) * 1.8) * GIB }));
    assert.deepEqual(findAnomalies(tonight(noisy, 40 * GIB, 1800), noisy), []);
    const bimodal = nightly(20, (i) => ({ bytes: (i % 3 === 0 ? 40 : 4) * GIB }));
    assert.deepEqual(findAnomalies(tonight(bimodal, 40 * GIB, 1800), bimodal), []);
  });

  it('does not judge failed jobs', () => {
    assert.deepEqual(findAnomalies(tonight(steady, 100 * GIB, 3, 'failed'), steady), []);
  });
});

function defaults() {
  return { minJobs: 5, historyJobs: 20, highRatio: 3, criticalHighRatio: 10, lowRatio: 0.1, criticalLowRatio: 0.01, spreadFactor: 3 };
}

describe('early warnings from trends', () => {
  const window = { start: '02:00', hours: 4 };

  it('raises nothing for a steady VM', () => {
    assert.deepEqual(earlyWarnings(nightly(10, (i) => ({ seconds: 1800 * wobble(i) })), window), []);
  });

  it('warns when the duration trend reaches the backup window, in days', () => {
    // 3 h, growing 6 minutes a night with the data (the speed holds): 4 h is reached 10 nights after the last one.
    const growing = nightly(10, (i) => {
      const seconds = 3 * 3600 + i * 360 - 9 * 360;
      return { seconds, bytes: seconds * 50 * 1024 ** 2 };
    });
    const [w, ...rest] = earlyWarnings(growing, window);
    assert.deepEqual(rest, []);
    assert.equal(w?.kind, 'window_overrun');
    assert.equal(w?.severity, 'warning');
    assert.equal(w?.numbers.days_left, 10);
    assert.equal(w?.numbers.growth_seconds_per_day, 360);
    assert.equal(w?.numbers.window_hours, 4);
    assert.equal(w?.message, 'at this growth the 02:00 incremental job overruns its 4 h window in about 10 days (now about 3h0m0s, growing 6m0s a day)');
  });

  it('says when the trend already overruns the window', () => {
    const over = nightly(6, (i) => ({ seconds: 4 * 3600 + i * 600, bytes: (4 * 3600 + i * 600) * 1024 ** 2 }));
    const [w] = earlyWarnings(over, window);
    assert.equal(w?.severity, 'critical');
    assert.match(w!.message, /^the 02:00 incremental job already overruns its 4 h window/);
  });

  it('has no window warning without a window, nor beyond its horizon', () => {
    const slowGrowth = nightly(10, (i) => ({ seconds: 3600 + i * 60, bytes: (3600 + i * 60) * 1024 ** 2 }));
    assert.deepEqual(earlyWarnings(slowGrowth, null), []);
    assert.deepEqual(earlyWarnings(slowGrowth, window), []);
  });

  it('warns when the speed falls over recent jobs', () => {
    // The same data each night, taking 10% longer each time: the speed falls by about half over 10 nights.
    const slower = nightly(10, (i) => ({ seconds: 1800 * 1.1 ** i }));
    const [w] = earlyWarnings(slower, null);
    assert.equal(w?.kind, 'speed_falling');
    assert.ok(w!.numbers.drop_percent! >= 30, `drop ${w!.numbers.drop_percent}`);
    assert.match(w!.message, /^average speed fell \d+% over the last 10 incremental jobs \(\d+(\.\d+)? → \d+(\.\d+)? MiB\/s\)$/);
  });

  it('counts failures in a row, skipping cancelled jobs', () => {
    const failing = nightly(8, (i) => ({ status: i < 5 ? 'completed' : i === 6 ? 'cancelled' : 'failed' }));
    const [w] = earlyWarnings(failing, null);
    assert.equal(w?.kind, 'failures_in_row');
    assert.equal(w?.numbers.failures, 2);
    assert.equal(w?.message, 'the last 2 jobs failed in a row');
  });

  it('gives no trend from too little data', () => {
    assert.deepEqual(earlyWarnings(nightly(4, (i) => ({ seconds: 3 * 3600 + i * 1800 })), window), []);
  });
});

describe('bottleneck', () => {
  it('names the stage with the highest average busy percent', () => {
    const b = bottleneckOf([{ source: 20, proxy: 10, network: 90, target: 30 }, null, { source: 40, proxy: 10, network: 70, target: 30 }]);
    assert.deepEqual(b, { stage: 'network', busy_percent: { source: 30, proxy: 10, network: 80, target: 30 }, samples: 2 });
  });

  it('is null for a job that never reported one', () => {
    assert.equal(bottleneckOf([null, undefined]), null);
  });
});

describe('insight options', () => {
  it('merges the given thresholds over the documented defaults', () => {
    const resolved = resolveOptions({ anomalyThresholds: { highRatio: 2 }, trendThresholds: { failuresInRow: 3 } });
    assert.deepEqual(resolved.anomalyThresholds, { ...defaults(), highRatio: 2 });
    assert.equal(resolved.trendThresholds.failuresInRow, 3);
    assert.equal(resolved.trendThresholds.trendJobs, 10);
    assert.equal(resolveOptions({}).backupWindowOf('web-01'), null);
    assert.deepEqual(resolveOptions({ backupWindow: { start: '02:00', hours: 4 } }).backupWindowOf('any'), { start: '02:00', hours: 4 });
  });

  it('refuses an unknown threshold, a negative one and a malformed backup window', () => {
    assert.throws(() => resolveOptions({ anomalyThresholds: { highratio: 2 } as never }), /anomalyThresholds.highratio is not a known threshold/);
    assert.throws(() => resolveOptions({ trendThresholds: { minJobs: -1 } }), /trendThresholds.minJobs must be a non-negative number/);
    assert.throws(() => resolveOptions({ backupWindow: { start: '2am', hours: 4 } }), /backupWindow must be/);
    assert.throws(() => resolveOptions({ backupWindow: { start: '02:00', hours: 25 } }), /backupWindow must be/);
    const perVm = resolveOptions({ backupWindow: () => ({ start: '24:00', hours: 1 }) });
    assert.throws(() => perVm.backupWindowOf('web-01'), /backupWindow must be/);
  });
});
