import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReporter, registerJob, ReporterError, type ReporterOptions } from '../src/index.js';
import { GIB, jobId, startHub, type TestHub } from './support/hub.js';

const fast = { retry: { initialDelayMs: 50, maxDelayMs: 400 }, endTimeoutMs: 8000, closeTimeoutMs: 1000, connectTimeoutMs: 2000 } satisfies Partial<ReporterOptions>;

async function registered(hub: TestHub): Promise<string> {
  const id = jobId('sock');
  await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'incremental', disks: [{ disk_index: 0, total_bytes: GIB }] });
  return id;
}

describe('socket transport against a real hub (SQLite)', () => {
  let hub: TestHub;
  before(async () => { hub = await startHub(); });
  after(async () => { await hub.close(); });

  it('delivers a job to completed over the socket alone, without an HTTP request', async (t) => {
    if (!hub.socket) return t.skip('the hub has no attach(io) yet');
    const id = await registered(hub);
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, ...fast });
    const requests = hub.telemetryRequests;
    reporter.report({ current_phase: 'snapshot', bytes_transferred: 0, total_bytes: GIB });
    for (let step = 1; step <= 10; step += 1) reporter.report({ current_phase: 'transferring', disks: [{ disk_index: 0, bytes_transferred: (GIB / 10) * step }] });
    const result = await reporter.complete({ current_phase: 'finalizing' });
    await reporter.close();
    assert.deepEqual(result, { status: 'completed', applied: true, transport: 'socket' });
    assert.equal(hub.telemetryRequests, requests, 'no HTTP fallback was needed');
    const job = await hub.job(id);
    assert.equal(job.status, 'completed');
    assert.equal(job.bytes_transferred, GIB);
    assert.equal(job.disks[0]!.bytes_transferred, GIB);
  });

  it('does not retry an update the hub refuses in its ack, over either transport', async (t) => {
    if (!hub.socket) return t.skip('the hub has no attach(io) yet');
    const id = await registered(hub);
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, ...fast, now: () => Date.now() + 10 * 60_000 });
    const requests = hub.telemetryRequests;
    const events = hub.socketEvents;
    const error = await reporter.complete().then(() => undefined, (e: unknown) => e);
    await reporter.close();
    assert.ok(error instanceof ReporterError);
    assert.equal(error.status, 400);
    assert.equal(hub.socketEvents - events, 1);
    assert.equal(hub.telemetryRequests, requests);
  });

  it('falls back to HTTP when the hub refuses the socket handshake', async (t) => {
    if (!hub.socket) return t.skip('the hub has no attach(io) yet');
    const id = await registered(hub);
    const refuse = (_socket: unknown, next: (err?: Error) => void) => next(Object.assign(new Error('no token'), { data: { status: 401, code: 'unauthorized', message: 'no token' } }));
    hub.io().of('/telemetry').use(refuse);
    try {
      const reporter = createReporter({ hubUrl: hub.url, jobId: id, ...fast });
      reporter.report({ bytes_transferred: 1, total_bytes: GIB });
      const result = await reporter.complete({ bytes_transferred: GIB });
      await reporter.close();
      assert.equal(result.transport, 'http');
      assert.equal((await hub.job(id)).status, 'completed');

      const socketOnly = createReporter({ hubUrl: hub.url, jobId: id, ...fast, fallbackToHttp: false });
      await assert.rejects(socketOnly.complete(), (e: unknown) => e instanceof ReporterError && e.status === 401 && e.retryable === false);
      await socketOnly.close();
    } finally {
      // Drop the refusing middleware: Socket.IO keeps namespace middlewares in an array.
      const nsp = hub.io().of('/telemetry') as unknown as { _fns: unknown[] };
      nsp._fns = nsp._fns.filter((fn) => fn !== refuse);
    }
  });
});
