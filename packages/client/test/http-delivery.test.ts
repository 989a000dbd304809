import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReporter, registerJob, ReporterError, type ReporterOptions } from '../src/index.js';
import { GIB, jobId, startHub, type TestHub } from './support/hub.js';

const fast = { retry: { initialDelayMs: 50, maxDelayMs: 400 }, endTimeoutMs: 8000, closeTimeoutMs: 1000 } satisfies Partial<ReporterOptions>;

async function registered(hub: TestHub, disks = 2): Promise<string> {
  const id = jobId('http');
  const job = await registerJob(hub.url, {
    id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full',
    ...(disks > 0 ? { disks: Array.from({ length: disks }, (_, i) => ({ disk_index: i, total_bytes: GIB })) } : {}),
  });
  assert.equal(job.backup_id, id);
  return id;
}

describe('HTTP transport against a real hub (SQLite)', () => {
  let hub: TestHub;
  before(async () => { hub = await startHub(); });
  after(async () => { await hub.close(); });

  it('registers a job idempotently when the id is given', async () => {
    const id = await registered(hub);
    const again = await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full' });
    assert.equal(again.backup_id, id);
  });

  it('delivers a two-disk job to completed with the summed bytes', async () => {
    const id = await registered(hub);
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast });
    reporter.report({ current_phase: 'snapshot', disks: [{ disk_index: 0, bytes_transferred: 0, total_bytes: GIB }, { disk_index: 1, bytes_transferred: 0, total_bytes: GIB }] });
    for (let step = 1; step <= 8; step += 1) {
      reporter.report({ current_phase: 'transferring', disks: [{ disk_index: 0, bytes_transferred: (GIB / 8) * step }] });
      reporter.report({ current_phase: 'transferring', disks: [{ disk_index: 1, bytes_transferred: (GIB / 8) * step, status: step === 8 ? 'completed' : 'running' }] });
    }
    const result = await reporter.complete({ current_phase: 'finalizing', disks: [{ disk_index: 0, status: 'completed' }] });
    await reporter.close();
    assert.deepEqual(result, { status: 'completed', applied: true, transport: 'http' });

    const job = await hub.job(id);
    assert.equal(job.status, 'completed');
    assert.equal(job.bytes_transferred, 2 * GIB);
    assert.equal(job.total_bytes, 2 * GIB);
    assert.deepEqual(job.disks.map((d) => [d.disk_index, d.bytes_transferred, d.status]), [[0, GIB, 'completed'], [1, GIB, 'completed']]);
  });

  it('sends the start, each 10 % milestone and the end, and holds back everything in between', async () => {
    const id = await registered(hub, 1);
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast, intervalMs: 60_000 });
    const before = hub.telemetryRequests;
    for (let percent = 0; percent <= 100; percent += 1) {
      reporter.report({ current_phase: 'transferring', bytes_transferred: (GIB * percent) / 100, total_bytes: GIB });
    }
    await reporter.complete();
    await reporter.close();
    // start (0 %), milestones 10 … 100 %, end
    assert.equal(hub.telemetryRequests - before, 12);
    const history = await hub.history(id);
    assert.equal(history.data_source, 'rolled_up');
    if (history.data_source !== 'rolled_up') return;
    const percents = history.performance_metrics.chart_data.map((p) => p.p);
    for (let m = 10; m <= 100; m += 10) assert.ok(percents.includes(m), `milestone ${m} % is on the chart (${percents.join(', ')})`);
  });

  it('keeps the job-level byte count at the end of a job registered with disks but reported without them', async () => {
    const id = await registered(hub, 1);
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast });
    reporter.report({ bytes_transferred: GIB / 2, total_bytes: GIB });
    await reporter.complete({ bytes_transferred: GIB });
    await reporter.close();
    assert.equal((await hub.job(id)).bytes_transferred, GIB);
  });

  it('skips an invalid report without throwing and keeps the last valid state', async () => {
    const id = await registered(hub, 0);
    const warnings: string[] = [];
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast, logger: { warn: (_f, m) => warnings.push(m ?? '') } });
    reporter.report({ bytes_transferred: 100, total_bytes: GIB });
    assert.doesNotThrow(() => reporter.report({ bytes_transferred: -5 } as never));
    assert.doesNotThrow(() => reporter.report({ bytes_transferred: 5, current_phase: 'x'.repeat(500) }));
    assert.equal(warnings.filter((w) => w.startsWith('invalid progress report')).length, 2);
    const end = reporter.complete();
    assert.equal(reporter.complete(), end, 'a second end returns the first one');
    await end;
    await reporter.close();
    assert.equal((await hub.job(id)).bytes_transferred, 100);
  });

  it('refuses an invalid registration before sending it', async () => {
    await assert.rejects(registerJob(hub.url, { vm_name: '', repository_id: 'r', backup_type: 'full' }), (e: unknown) => (e as { field?: string }).field === 'vm_name');
  });

  it('sends a held-back state once the interval is up, without another report', async () => {
    const id = await registered(hub, 1);
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast, intervalMs: 300 });
    reporter.report({ bytes_transferred: 1000, total_bytes: GIB });
    reporter.report({ bytes_transferred: 2000, total_bytes: GIB });
    await reporter.flush();
    assert.equal((await hub.job(id)).bytes_transferred, 1000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal((await hub.job(id)).bytes_transferred, 2000);
    await reporter.close();
  });

  it('computes speed and ETA when only bytes are given', async () => {
    const id = await registered(hub, 1);
    let clock = Date.now() - 60_000;
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast, now: () => clock });
    for (let s = 0; s <= 20; s += 1) {
      clock += 1000;
      reporter.report({ bytes_transferred: s * 10 * 1024 * 1024, total_bytes: GIB });
    }
    await reporter.close();
    const job = await hub.job(id);
    assert.equal(job.transfer_speed_bps, 10 * 1024 * 1024);
    assert.equal(job.eta_seconds, Math.round((GIB - 200 * 1024 * 1024) / (10 * 1024 * 1024)));
  });

  it('does not retry an update the hub refuses with 400, and says why', async () => {
    const id = await registered(hub, 1);
    // A client clock 10 minutes ahead: the client cannot know, the hub rejects the timestamp.
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast, now: () => Date.now() + 10 * 60_000 });
    const before = hub.telemetryRequests;
    reporter.report({ bytes_transferred: 1, total_bytes: GIB });
    const error = await reporter.complete().then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ReporterError, `rejected with ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.field, 'timestamp');
    assert.equal(hub.telemetryRequests - before, 2, 'one attempt for the start, one for the end');
    assert.equal(reporter.stats().dropped, 2);
    await reporter.close();
  });

  it('does not retry a job the hub does not know (404)', async () => {
    const reporter = createReporter({ hubUrl: hub.url, jobId: jobId('unknown'), transport: 'http', ...fast });
    const before = hub.telemetryRequests;
    const error = await reporter.complete().then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ReporterError);
    assert.equal(error.status, 404);
    assert.equal(hub.telemetryRequests - before, 1);
    await reporter.close();
  });

  it('waits as long as Retry-After says after a 429, then delivers', async () => {
    const id = await registered(hub, 1);
    const seen: number[] = [];
    hub.gate = (_req, res, next) => {
      seen.push(Date.now());
      if (seen.length === 1) res.status(429).set('Retry-After', '1').json({ error: { status: 429, code: 'rate_limited', message: 'slow down', retry_after_seconds: 1 } });
      else next();
    };
    try {
      const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast });
      reporter.report({ bytes_transferred: 5, total_bytes: GIB });
      await reporter.complete({ bytes_transferred: GIB });
      await reporter.close();
    } finally {
      hub.gate = undefined;
    }
    assert.ok(seen[1]! - seen[0]! >= 1000, `retried after ${seen[1]! - seen[0]!} ms`);
    assert.ok(seen[1]! - seen[0]! < 2000, `retried after ${seen[1]! - seen[0]!} ms`);
    assert.equal((await hub.job(id)).status, 'completed');
  });

  it('retries a 503 with its Retry-After until the hub takes the update', async () => {
    const id = await registered(hub, 1);
    let refused = 0;
    hub.gate = (_req, res, next) => {
      if (refused < 2) { refused += 1; res.status(503).set('Retry-After', '0').json({ error: { status: 503, code: 'database_unavailable', message: 'db down' } }); }
      else next();
    };
    try {
      const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast });
      const result = await reporter.fail(new Error('disk 1 unreadable'), { bytes_transferred: 10 });
      await reporter.close();
      assert.equal(result.status, 'failed');
      assert.equal(reporter.stats().retries, 2);
    } finally {
      hub.gate = undefined;
    }
    const job = await hub.job(id);
    assert.equal(job.status, 'failed');
    assert.equal(job.error_message, 'disk 1 unreadable');
  });

  it('answers a repeated end as delivered but not applied, and a different end as a 409', async () => {
    const id = await registered(hub, 1);
    const first = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast });
    assert.equal((await first.complete({ bytes_transferred: GIB, total_bytes: GIB })).applied, true);
    await first.close();
    const repeat = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast });
    assert.equal((await repeat.complete()).applied, false);
    await repeat.close();
    const different = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast });
    await assert.rejects(different.fail('late failure'), (e: unknown) => e instanceof ReporterError && e.status === 409 && e.code === 'job_ended');
    await different.close();
  });
});

describe('registerJob', () => {
  it('passes a backdated started_at through to the hub', async () => {
    const hub = await startHub();
    try {
      const started = Date.now() - 3 * 3600_000;
      const id = jobId('backdated');
      const job = await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full', started_at: new Date(started).toISOString() });
      assert.equal(job.started_at, new Date(started).toISOString());
    } finally {
      await hub.close();
    }
  });
});
