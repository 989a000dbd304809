import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobUpdateEvent } from '@backup-telemetry/contract';
import { backends } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { collect, next, request, sleep, startLiveHub, type LiveHub } from './support/live.js';

const sqlite = backends()[0]!;

describe('socket ingest and live push', () => {
  let hub: LiveHub;
  before(async () => { hub = await startLiveHub(sqlite); });
  after(async () => { await hub?.close(); });

  it('acknowledges a valid update after it is stored, through the same path as HTTP', async () => {
    const id = await registerJob(hub.http);
    const agent = await hub.client();
    const ack = await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...update({ bytes_transferred: 1234 }) });
    assert.deepEqual(ack, { ok: true, applied: true });
    const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
    assert.equal(job.bytes_transferred, 1234);
    assert.equal(job.status, 'running');
  });

  it('answers each refusal with the HTTP status and code, naming the field', async () => {
    const id = await registerJob(hub.http);
    const agent = await hub.client();
    const bad = await request(agent, 'telemetry', { job_type: 'backup', job_id: id, progress_percent: 140 });
    assert.equal(bad.ok, false);
    assert.deepEqual([bad.error.status, bad.error.code, bad.error.field], [400, 'invalid_field', 'progress_percent']);
    const missing = await request(agent, 'telemetry', { job_type: 'backup', job_id: 'nobody', ...update() });
    assert.deepEqual([missing.error.status, missing.error.code], [404, 'job_not_found']);
    await send(hub.http, id, { status: 'completed' }).expect(200);
    const ended = await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...update() });
    assert.deepEqual([ended.error.status, ended.error.code], [409, 'job_ended']);
    const noType = await request(agent, 'telemetry', { job_id: id });
    assert.deepEqual([noType.error.status, noType.error.field], [400, 'job_type']);
  });

  it('gives a subscriber to a running job its current state and chart at once', async () => {
    const id = await registerJob(hub.http);
    await send(hub.http, id, update({ current_phase: 'snapshot', bytes_transferred: 0 })).expect(200);
    await send(hub.http, id, update({ current_phase: 'transferring', bytes_transferred: 800 })).expect(200);
    const viewer = await hub.client();
    const ack = await request(viewer, 'subscribe', { job_id: id });
    assert.equal(ack.ok, true);
    assert.equal(ack.job.backup_id, id);
    assert.equal(ack.current_state.bytes_transferred, 800);
    assert.deepEqual(ack.chart_data.map((p: { phase: string }) => p.phase), ['snapshot', 'transferring']);
    const unknown = await request(viewer, 'subscribe', { job_id: 'nobody' });
    assert.equal(unknown.error.status, 404);
  });

  it('pushes job:update with the new chart point to job and VM rooms after an HTTP ingest', async () => {
    const id = await registerJob(hub.http, { vm_name: 'push-vm' });
    const byJob = await hub.client();
    const byVm = await hub.client();
    const bystander = await hub.client();
    await request(byJob, 'subscribe', { job_id: id });
    await request(byVm, 'subscribe', { vm_name: 'push-vm' });
    await request(bystander, 'subscribe', { vm_name: 'other-vm' });
    const strayUpdates = collect(bystander, 'job:update');
    const gotJob = next(byJob, 'job:update');
    const gotVm = next(byVm, 'job:update');
    await send(hub.http, id, update({ bytes_transferred: 2000, transfer_speed_bps: 3 * 1_048_576, current_phase: 'transferring' })).expect(200);
    const [a, b] = await Promise.all([gotJob, gotVm]);
    assert.equal(a.job.bytes_transferred, 2000);
    assert.deepEqual({ s: a.point.s, phase: a.point.phase }, { s: 3 * 1_048_576, phase: 'transferring' }, 's in bytes per second');
    assert.equal(b.job.backup_id, id);
    await sleep(100);
    assert.equal(strayUpdates.length, 0, 'other rooms hear nothing');
  });

  it('hands a host listening to plugin.events each committed update with the job as of that update', async () => {
    const id = await registerJob(hub.http);
    const seen: JobUpdateEvent[] = [];
    const listen = (e: JobUpdateEvent) => { if (e.job.backup_id === id) seen.push(e); };
    hub.plugin.events.on('job:update', listen);
    try {
      await send(hub.http, id, update({ bytes_transferred: 100, current_phase: 'snapshot' })).expect(200);
      await send(hub.http, id, update({ bytes_transferred: 200, current_phase: 'transferring' })).expect(200);
    } finally {
      hub.plugin.events.off('job:update', listen);
    }
    // Read only now, after the second commit: each event still shows its own update.
    assert.deepEqual(seen.map((e) => [e.job.bytes_transferred, e.job.current_phase]), [[100, 'snapshot'], [200, 'transferring']]);
    assert.equal({ ...seen[0]! }.job.backup_id, id, 'spreading keeps the job');
    const wire = JSON.parse(JSON.stringify(seen[0]));
    assert.deepEqual(Object.keys(wire), ['job', 'point']);
    assert.equal(wire.job.bytes_transferred, 100);
    assert.equal(wire.point.phase, 'snapshot');
  });

  it('pushes nothing for a refused update, and nothing after unsubscribe', async () => {
    const id = await registerJob(hub.http);
    const viewer = await hub.client();
    await request(viewer, 'subscribe', { job_id: id });
    const seen = collect(viewer, 'job:update');
    await send(hub.http, id, { bytes_transferred: -5 }).expect(400);
    await sleep(100);
    assert.equal(seen.length, 0);
    await request(viewer, 'unsubscribe', { job_id: id });
    await send(hub.http, id, update()).expect(200);
    await sleep(100);
    assert.equal(seen.length, 0);
  });

  it('pushes job:completed carrying the rolled-up chart data', async () => {
    const id = await registerJob(hub.http);
    const viewer = await hub.client();
    await request(viewer, 'subscribe', { job_id: id });
    for (let i = 1; i <= 5; i++) await send(hub.http, id, update({ bytes_transferred: i * 100 })).expect(200);
    const done = next(viewer, 'job:completed');
    const agent = await hub.client();
    await request(agent, 'telemetry', { job_type: 'backup', job_id: id, status: 'completed' });
    const event = await done;
    assert.equal(event.job.status, 'completed');
    assert.equal(event.performance_metrics.snapshots_recorded, 6);
    assert.ok(event.performance_metrics.chart_data.length >= 5);
  });

  it('pushes job:failed and job:cancelled by the ended status', async () => {
    for (const status of ['failed', 'cancelled'] as const) {
      const id = await registerJob(hub.http);
      const viewer = await hub.client();
      await request(viewer, 'subscribe', { job_id: id });
      const ended = next(viewer, `job:${status}`);
      await send(hub.http, id, { status, error: status === 'failed' ? 'target unreachable' : undefined }).expect(200);
      const event = await ended;
      assert.equal(event.job.status, status);
      if (status === 'failed') assert.equal(event.job.error_message, 'target unreachable');
    }
  });

  it('survives a socket sending garbage while another socket keeps working', async () => {
    const id = await registerJob(hub.http);
    const vandal = await hub.client();
    const honest = await hub.client();
    const garbage: unknown[] = [null, 42, 'text', [1, 2], { job_type: 7, job_id: {} }, { job_type: 'backup', job_id: id, disks: 'many' }, { job_type: 'backup', job_id: id, bytes_transferred: '1e999' }];
    for (const g of garbage) {
      const ack = await request(vandal, 'telemetry', g);
      assert.equal(ack.ok, false);
      assert.equal(ack.error.status, 400);
    }
    vandal.emit('telemetry', { job_type: 'backup', job_id: id }); // no ack function
    vandal.emit('subscribe', 'not an object');
    const subscribeGarbage = await request(vandal, 'subscribe', { job_id: ['x'] });
    assert.equal(subscribeGarbage.error.status, 400);
    // A frame over maxHttpBufferSize makes the server drop that socket, and only that socket.
    const dropped = next(vandal, 'disconnect');
    vandal.emit('telemetry', { job_type: 'backup', job_id: id, current_phase: 'x'.repeat(200_000) });
    await dropped;
    const ack = await request(honest, 'telemetry', { job_type: 'backup', job_id: id, ...update({ bytes_transferred: 77 }) });
    assert.deepEqual(ack, { ok: true, applied: true });
  });

  it('sends the acknowledgements of updates committed together in a few TCP writes, not one each', async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, () => registerJob(hub.http)));
    const agent = await hub.client();
    const tcp = hub.io.of('/telemetry').sockets.get(agent.id!)!.conn.request.socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    let writes = 0;
    for (const name of ['_write', '_writev'] as const) {
      const original = tcp[name];
      tcp[name] = function counted(this: unknown, ...args: unknown[]) { writes++; return original.apply(this, args); };
    }
    const acks = await Promise.all(ids.map((id, i) => request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...update({ bytes_transferred: 10 + i }) })));
    assert.deepEqual(new Set(acks.map((a) => JSON.stringify(a))), new Set([JSON.stringify({ ok: true, applied: true })]));
    assert.ok(writes <= ids.length / 4, `${ids.length} acknowledgements took ${writes} writes`);
    const stored = await Promise.all(ids.map(async (id) => (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body.bytes_transferred));
    assert.deepEqual(stored, ids.map((_, i) => 10 + i));
  });
});

describe('socket ingest with the database down', () => {
  it('acknowledges with status 503 within seconds', async () => {
    const hub = await startLiveHub({ ...sqlite, url: () => 'sqlite::memory:' }, {});
    const agent = await hub.client();
    // Break the database under the running hub: destroy its pool so connections cannot be acquired.
    await hub.plugin.knex.destroy();
    const started = Date.now();
    const ack = await request(agent, 'telemetry', { job_type: 'backup', job_id: 'job-x', ...update() });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.status, 503);
    assert.ok(Date.now() - started < 6000);
    agent.disconnect();
    await hub.plugin.close();
    await new Promise<void>((resolve) => hub.io.close(() => resolve()));
  });
});
