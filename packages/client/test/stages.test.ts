import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReporter, registerJob, stageBusy, StageClock } from '../src/index.js';
import { GIB, jobId, startHub, type TestHub } from './support/hub.js';

describe('stage busy percents (pure)', () => {
  it('is each stage\'s share of the interval, capped at 100', () => {
    assert.deepEqual(stageBusy({ source: 1000, proxy: 0, network: 4500, target: 9000 }, 5000), { source: 20, proxy: 0, network: 90, target: 100 });
  });

  it('is undefined without stage time or without an interval', () => {
    assert.equal(stageBusy({ source: 0, proxy: 0, network: 0, target: 0 }, 5000), undefined);
    assert.equal(stageBusy({ source: 10, proxy: 0, network: 0, target: 0 }, 0), undefined);
  });

  it('starts over once an update was sent, and refuses an unknown stage', () => {
    const clock = new StageClock(0);
    clock.add('network', 500);
    assert.deepEqual(clock.busy(1000), { source: 0, proxy: 0, network: 50, target: 0 });
    clock.restart(1000);
    assert.equal(clock.busy(2000), undefined);
    assert.throws(() => clock.add('disk' as 'source', 1), TypeError);
    assert.throws(() => clock.add('source', -1), TypeError);
  });
});

describe('reporter.stage() against a real hub (SQLite)', () => {
  let hub: TestHub;
  before(async () => { hub = await startHub(); });
  after(async () => { await hub.close(); });

  it('sends each interval\'s busy percents, and the hub names the job\'s bottleneck', async () => {
    const id = jobId('stages');
    await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full' });
    let nowMs = Date.now();
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', intervalMs: 1000, now: () => nowMs, closeTimeoutMs: 1000 });
    for (let step = 1; step <= 4; step += 1) {
      // Each second: 200 ms reading, 100 ms processing, 800 ms waiting on the network, 300 ms writing.
      reporter.stage('source', 200);
      reporter.stage('proxy', 100);
      reporter.stage('network', 800);
      reporter.stage('target', 300);
      nowMs += 1000;
      reporter.report({ current_phase: 'transferring', bytes_transferred: (GIB / 4) * step, total_bytes: GIB });
      await reporter.flush(2000);
    }
    await reporter.complete();
    await reporter.close();
    const job = await hub.job(id);
    assert.equal(job.performance_metrics?.bottleneck?.stage, 'network');
    assert.deepEqual(job.performance_metrics?.bottleneck?.busy_percent, { source: 20, proxy: 10, network: 80, target: 30 });
  });
});
