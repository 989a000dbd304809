import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io as connect } from 'socket.io-client';
import { backends } from './support/backends.js';
import { jobRequest, send, update } from './support/factories.js';
import { next, request, startLiveHub, type LiveHub } from './support/live.js';

const sqlite = backends()[0]!;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('ingest tokens', () => {
  let hub: LiveHub;
  before(async () => {
    hub = await startLiveHub(sqlite, {
      ingestTokens: ['tok-web', 'tok-all'],
      // tok-web may only report for VMs and jobs named web-*.
      verifyIngest: (token, target) => token !== 'tok-web' || (target.vm_name ?? target.job_id ?? '').startsWith('web-'),
    });
  });
  after(async () => { await hub?.close(); });

  const register = (id: string, vm: string, token?: string) =>
    hub.http.post('/api/v1/backups').set(token ? bearer(token) : {}).send(jobRequest({ id, vm_name: vm }));

  it('refuses registration and telemetry without a valid token (401) and writes nothing', async () => {
    const none = await register('web-a', 'web-01').expect(401);
    assert.equal(none.body.error.code, 'unauthorized');
    await register('web-a', 'web-01', 'wrong').expect(401);
    await hub.http.get('/api/v1/backups/web-a').expect(404);
    await register('web-a', 'web-01', 'tok-all').expect(201);
    await send(hub.http, 'web-a', update()).expect(401);
    await hub.http.post('/api/v1/telemetry/backup/web-a').set(bearer('nope')).send(update()).expect(401);
    assert.equal((await hub.http.get('/api/v1/backups/web-a').expect(200)).body.status, 'pending');
    await hub.http.post('/api/v1/telemetry/backup/web-a').set(bearer('tok-web')).send(update()).expect(200);
  });

  it('answers 403 outside the scope verifyIngest gives a token', async () => {
    const res = await register('db-a', 'db-01', 'tok-web').expect(403);
    assert.equal(res.body.error.code, 'forbidden');
    await register('db-a', 'db-01', 'tok-all').expect(201);
    await hub.http.post('/api/v1/telemetry/backup/db-a').set(bearer('tok-web')).send(update()).expect(403);
    await hub.http.post('/api/v1/telemetry/backup/db-a').set(bearer('tok-all')).send(update()).expect(200);
  });

  it('refuses a socket with a wrong token at connect, and lets a tokenless socket watch but not ingest', async () => {
    const bad = connect(`${hub.url}/telemetry`, { transports: ['websocket'], reconnection: false, auth: { token: 'wrong' } });
    const err = await next<Error>(bad, 'connect_error');
    assert.match(err.message, /unauthorized/);
    bad.close();
    await register('web-s', 'web-02', 'tok-all').expect(201);
    const viewer = await hub.client();
    const refused = await request(viewer, 'telemetry', { job_type: 'backup', job_id: 'web-s', ...update() });
    assert.deepEqual([refused.ok, refused.error.status], [false, 401]);
    assert.equal((await request(viewer, 'subscribe', { job_id: 'web-s' })).ok, true);
    const agent = await hub.client({ token: 'tok-web' });
    assert.deepEqual(await request(agent, 'telemetry', { job_type: 'backup', job_id: 'web-s', ...update() }), { ok: true, applied: true });
  });
});

describe('viewer authorization', () => {
  let hub: LiveHub;
  before(async () => {
    hub = await startLiveHub(sqlite, {
      authorizeViewer: (source, target) => {
        const headers = (source as { headers: Record<string, string | undefined> }).headers;
        return target.vm_name !== 'secret-vm' || headers['x-role'] === 'admin';
      },
    });
    await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'secret-job', vm_name: 'secret-vm' })).expect(201);
  });
  after(async () => { await hub?.close(); });

  it('guards every REST read of the protected VM', async () => {
    await hub.http.get('/api/v1/backups/secret-job').expect(403);
    await hub.http.get('/api/v1/backups').query({ vm_name: 'secret-vm' }).expect(403);
    await hub.http.get('/api/v1/backups/stats').query({ vm_name: 'secret-vm' }).expect(403);
    await hub.http.get('/api/v1/machines/secret-vm').expect(403);
    await hub.http.get('/api/v1/telemetry/history/secret-job').expect(403);
    await hub.http.get('/api/v1/backups/secret-job').set('x-role', 'admin').expect(200);
  });

  it('guards subscriptions', async () => {
    const viewer = await hub.client();
    const byJob = await request(viewer, 'subscribe', { job_id: 'secret-job' });
    assert.deepEqual([byJob.ok, byJob.error.status], [false, 403]);
    const byVm = await request(viewer, 'subscribe', { vm_name: 'secret-vm' });
    assert.equal(byVm.error.status, 403);
    const admin = connect(`${hub.url}/telemetry`, { transports: ['websocket'], reconnection: false, extraHeaders: { 'x-role': 'admin' } });
    try {
      assert.equal((await request(admin, 'subscribe', { job_id: 'secret-job' })).ok, true);
    } finally {
      admin.close();
    }
  });
});

describe('rate limits and body caps', () => {
  let hub: LiveHub;
  before(async () => { hub = await startLiveHub(sqlite, { rateLimitPerMinute: 5, rateLimitPerSourcePerMinute: 12, bodyLimitBytes: 64 * 1024 }); });
  after(async () => { await hub?.close(); });

  it('answers 429 with Retry-After past the per-job limit, leaving other jobs alone', async () => {
    await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'busy' })).expect(201);
    await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'calm' })).expect(201);
    for (let i = 0; i < 5; i++) await send(hub.http, 'busy', update({ bytes_transferred: i })).expect(200);
    const limited = await send(hub.http, 'busy', update({ bytes_transferred: 99 })).expect(429);
    assert.equal(limited.body.error.code, 'rate_limited');
    const retry = Number(limited.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60);
    assert.equal((await hub.http.get('/api/v1/backups/busy').expect(200)).body.bytes_transferred, 4, 'the refused update changed nothing');
    await send(hub.http, 'calm', update()).expect(200);
  });

  it('answers 429 past the per-source limit', async () => {
    const ids = ['s1', 's2', 's3', 's4'];
    for (const id of ids) await hub.http.post('/api/v1/backups').send(jobRequest({ id })).expect(201);
    const statuses: number[] = [];
    // 25 sends: even if a new minute starts among them, one of the two minutes holds 13 or more.
    for (let i = 0; i < 25; i++) statuses.push((await send(hub.http, ids[i % 4]!, update())).status);
    assert.ok(statuses.includes(429), 'the address went over its 12 per minute');
  });

  it('answers 429 to a registration flood from one address, storing nothing past the limit', async () => {
    const flood = await startLiveHub(sqlite, { rateLimitRegistrationsPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await flood.http.post('/api/v1/backups').send(jobRequest({ id: `flood-${i}`, vm_name: `flood-vm-${i}` }))).status);
      assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
      const limited = await flood.http.post('/api/v1/backups').send(jobRequest({ id: 'flood-x' })).expect(429);
      assert.match(limited.body.error.message, /this address sent more than 3 registrations this minute/);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      await flood.http.get('/api/v1/backups/flood-3').expect(404);
      await flood.http.get('/api/v1/machines/flood-vm-3').expect(404);
    } finally {
      await flood.close();
    }
  });

  it('answers 413 for a body over 64 KB', async () => {
    const res = await hub.http.post('/api/v1/telemetry/backup/calm').send({ error: 'x'.repeat(70 * 1024) }).expect(413);
    assert.equal(res.body.error.code, 'payload_too_large');
  });

  it('counts accepted and refused updates by reason in its Prometheus registry', async () => {
    const text = await hub.plugin.metrics.registry.metrics();
    assert.match(text, /bt_telemetry_updates_total\{result="applied",reason="ok"\} \d+/);
    assert.match(text, /bt_telemetry_updates_total\{result="rejected",reason="rate_limited"\} \d+/);
    assert.match(text, /bt_telemetry_updates_total\{result="rejected",reason="payload_too_large"\} 1/);
    assert.match(text, /bt_running_jobs \d+/);
    assert.match(text, /bt_ingest_latency_seconds_count \d+/);
  });
});
