import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createReporter, registerJob, ReporterError, type ReporterOptions } from '../src/index.js';
import { GIB, jobId, startHub, type TestHub } from './support/hub.js';

const fast = { retry: { initialDelayMs: 100, maxDelayMs: 400 }, endTimeoutMs: 9000, closeTimeoutMs: 1000, connectTimeoutMs: 1000, ackTimeoutMs: 1000, requestTimeoutMs: 1000 } satisfies Partial<ReporterOptions>;

const variants: { name: string; options: Partial<ReporterOptions> }[] = [
  { name: 'HTTP', options: { transport: 'http' } },
  { name: 'socket without fallback', options: { transport: 'socket', fallbackToHttp: false } },
  { name: 'socket with HTTP fallback', options: { transport: 'socket' } },
];

describe('a hub that goes away and comes back', () => {
  let hub: TestHub;
  before(async () => { hub = await startHub(); });
  after(async () => { await hub.close(); });

  for (const variant of variants) {
    it(`loses no milestone, phase or job end (${variant.name})`, async (t) => {
      if (variant.options.transport === 'socket' && !hub.socket) return t.skip('the hub has no attach(io) yet');
      const id = jobId('outage');
      await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full', disks: [{ disk_index: 0, total_bytes: GIB }] });
      const reporter = createReporter({ hubUrl: hub.url, jobId: id, ...fast, ...variant.options, intervalMs: 60_000 });
      reporter.report({ current_phase: 'snapshot', bytes_transferred: 0, total_bytes: GIB });
      assert.equal(await reporter.flush(3000), true, 'the start is delivered while the hub is up');

      await hub.stop();
      for (let percent = 1; percent <= 100; percent += 1) {
        reporter.report({ current_phase: 'transferring', disks: [{ disk_index: 0, bytes_transferred: Math.round((GIB * percent) / 100), total_bytes: GIB }] });
      }
      const end = reporter.complete({ current_phase: 'finalizing' });
      await sleep(700);
      const during = reporter.stats();
      assert.ok(during.queued >= 12, `phase, 10 milestones and the end wait in the queue (${during.queued})`);
      assert.ok(during.retries >= 1, 'delivery was retried');

      await hub.restart();
      const result = await end;
      await reporter.close();
      assert.equal(result.status, 'completed');
      assert.equal(result.applied, true);

      const job = await hub.job(id);
      assert.equal(job.status, 'completed');
      assert.equal(job.bytes_transferred, GIB);
      const history = await hub.history(id);
      assert.equal(history.data_source, 'rolled_up');
      if (history.data_source !== 'rolled_up') return;
      const percents = history.performance_metrics.chart_data.map((p) => p.p);
      for (let m = 10; m <= 100; m += 10) assert.ok(percents.includes(m), `milestone ${m} % reached the hub (${percents.join(', ')})`);
      assert.deepEqual(history.performance_metrics.phases.map((p) => p.phase), ['snapshot', 'transferring', 'finalizing']);
    });
  }

  it('keeps every milestone and the end when the queue overflows during the outage', async () => {
    const id = jobId('overflow');
    await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full' });
    let clock = Date.now() - 200_000;
    const dropped: object[] = [];
    const reporter = createReporter({
      hubUrl: hub.url, jobId: id, transport: 'http', ...fast, now: () => clock, intervalMs: 500, queueCapacity: 15,
      logger: { warn: (fields, message) => { if (message?.startsWith('queue full')) dropped.push(fields); } },
    });
    reporter.report({ current_phase: 'transferring', bytes_transferred: 0, total_bytes: GIB });
    assert.equal(await reporter.flush(3000), true);
    await hub.stop();
    // One report a (fake) second, each due by the interval rule: 100 plain states and 10 milestones.
    for (let percent = 1; percent <= 100; percent += 1) {
      clock += 1000;
      reporter.report({ bytes_transferred: Math.round((GIB * percent) / 100), total_bytes: GIB });
    }
    const end = reporter.complete();
    assert.equal(reporter.stats().queued, 15);
    assert.ok(dropped.length >= 80, `${dropped.length} plain states dropped`);
    assert.ok(dropped.every((d) => (d as { kind: string }).kind === 'state'));
    await hub.restart();
    assert.equal((await end).applied, true);
    await reporter.close();

    const history = await hub.history(id);
    if (history.data_source !== 'rolled_up') assert.fail(`history is ${history.data_source}`);
    const percents = history.performance_metrics.chart_data.map((p) => p.p);
    for (let m = 10; m <= 100; m += 10) assert.ok(percents.includes(m), `milestone ${m} % survived the overflow (${percents.join(', ')})`);
    assert.equal((await hub.job(id)).bytes_transferred, GIB);
  });

  it('puts late-delivered milestones on the chart at the default snapshot interval', async () => {
    // One clock for client and hub: the outage lasts 100 s of it, then everything queued arrives at once.
    let clock = Date.now() - 120_000;
    const throttled = await startHub({ snapshotIntervalSeconds: 5, now: () => clock });
    try {
      const id = jobId('late');
      await registerJob(throttled.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full' });
      const reporter = createReporter({ hubUrl: throttled.url, jobId: id, transport: 'http', ...fast, now: () => clock, intervalMs: 60_000 });
      reporter.report({ current_phase: 'transferring', bytes_transferred: 0, total_bytes: GIB });
      await reporter.flush(3000);
      await throttled.stop();
      for (let percent = 1; percent <= 100; percent += 1) {
        clock += 1000;
        reporter.report({ bytes_transferred: Math.round((GIB * percent) / 100), total_bytes: GIB });
      }
      const end = reporter.complete();
      await throttled.restart();
      await end;
      await reporter.close();
      const history = await throttled.history(id);
      if (history.data_source !== 'rolled_up') assert.fail(`history is ${history.data_source}`);
      const percents = history.performance_metrics.chart_data.map((p) => p.p);
      for (let m = 10; m <= 100; m += 10) assert.ok(percents.includes(m), `milestone ${m} % is on the chart (${percents.join(', ')})`);
    } finally {
      await throttled.close();
    }
  });

  it('keeps report() silent and rejects complete() with end_timeout when the hub never comes back', async () => {
    const gone = await startHub();
    const id = jobId('gone');
    await registerJob(gone.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full' });
    await gone.close();
    const reporter = createReporter({ hubUrl: gone.url, jobId: id, ...fast, endTimeoutMs: 800 });
    assert.doesNotThrow(() => {
      for (let i = 0; i < 50; i += 1) reporter.report({ bytes_transferred: i, total_bytes: 100 });
    });
    const started = Date.now();
    await assert.rejects(reporter.fail('agent crashed'), (e: unknown) => e instanceof ReporterError && e.code === 'end_timeout');
    assert.ok(Date.now() - started < 2000);
    assert.ok(reporter.stats().queued > 0, 'the end stays queued until close()');
    await reporter.close({ timeoutMs: 0 });
    assert.equal(reporter.stats().queued, 0);
  });
});
