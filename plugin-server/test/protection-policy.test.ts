import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TelemetryError } from '@backup-telemetry/contract';
import { bearerToken } from '../src/access/access.js';
import { backends, startHub, type TestHub } from './support/backends.js';
import { jobRequest } from './support/factories.js';

const T0 = Date.UTC(2026, 11, 1, 1, 0, 0);
const HOUR = 3_600_000;

/** Admin hook of the tests: no token 401, token `admin` allowed, any other 403; records what it was asked. */
function adminHook(asked: unknown[]) {
  return (req: unknown, target: unknown) => {
    asked.push(target);
    const token = bearerToken((req as { headers: Record<string, string> }).headers);
    if (!token) throw new TelemetryError('unauthorized', 'send Authorization: Bearer <admin token>', { field: 'authorization' });
    return token === 'admin';
  };
}

for (const backend of backends()) {
  describe(`protection policies (${backend.name})`, { skip: backend.skip }, () => {
    let hub: TestHub;
    let clock = T0;
    const asked: unknown[] = [];
    const put = (vm: string, body: unknown, token = 'admin') => hub.http.put(`/api/v1/machines/${encodeURIComponent(vm)}/policy`).set('Authorization', `Bearer ${token}`).send(body as object);
    const get = (vm: string) => hub.http.get(`/api/v1/machines/${encodeURIComponent(vm)}/policy`);
    before(async () => { hub = await startHub(backend, { now: () => clock, authorizeAdmin: adminHook(asked) }); });
    after(() => hub.close());

    it('sets a policy with PUT, reads it with GET and on the machine row, and DELETE returns the VM to the default', async () => {
      await hub.http.post('/api/v1/backups').send(jobRequest({ vm_name: 'web-01' })).expect(201);
      const body = { rpo_hours: 12, grace_minutes: 30, schedule: { cron: '0 2 * * *', tz: 'Europe/Berlin' } };
      const set = (await put('web-01', body).expect(200)).body;
      assert.deepEqual(set.policy, { rpo_hours: 12, grace_minutes: 30, schedule: { cron: '0 2 * * *', tz: 'Europe/Berlin' }, source: 'machine' });
      assert.equal(set.vm_name, 'web-01');
      assert.equal(set.protection.status, 'pending');
      assert.equal(set.protection.rpo_hours, 12);
      // First seen 2026-12-01 01:00 UTC (02:00 Berlin): the next 02:00 Berlin is the next day's, 01:00 UTC.
      assert.equal(set.protection.next_expected_at, '2026-12-02T01:00:00.000Z');
      assert.deepEqual((await get('web-01').expect(200)).body, set);
      const machine = (await hub.http.get('/api/v1/machines/web-01').expect(200)).body;
      assert.deepEqual(machine.protection, set.protection);
      const cleared = (await hub.http.delete('/api/v1/machines/web-01/policy').set('Authorization', 'Bearer admin').expect(200)).body;
      assert.deepEqual(cleared.policy, { rpo_hours: 24, grace_minutes: 60, schedule: null, source: 'default' });
      assert.equal(cleared.protection.next_expected_at, null);
      assert.deepEqual(asked.at(-1), { action: 'set_policy', vm_name: 'web-01' });
    });

    it('answers 401 without a token and 403 with a token the hook refuses, and changes nothing', async () => {
      await put('web-02', { rpo_hours: 4 }).expect(200);
      const none = await hub.http.put('/api/v1/machines/web-02/policy').send({ rpo_hours: 1 }).expect(401);
      assert.equal(none.body.error.code, 'unauthorized');
      const refused = await put('web-02', { rpo_hours: 1 }, 'viewer').expect(403);
      assert.equal(refused.body.error.code, 'forbidden');
      await hub.http.delete('/api/v1/machines/web-02/policy').set('Authorization', 'Bearer viewer').expect(403);
      assert.equal((await get('web-02').expect(200)).body.policy.rpo_hours, 4);
    });

    it('refuses bad policies with 400 naming the field, and keeps the policy it had', async () => {
      await put('web-03', { rpo_hours: 8 }).expect(200);
      const cases: [unknown, string][] = [
        [{}, 'rpo_hours'],
        [{ rpo_hours: 0 }, 'rpo_hours'],
        [{ rpo_hours: 8761 }, 'rpo_hours'],
        [{ rpo_hours: '24' }, 'rpo_hours'],
        [{ rpo_hours: 24, grace_minutes: -1 }, 'grace_minutes'],
        [{ rpo_hours: 24, grace_minutes: 1.5 }, 'grace_minutes'],
        [{ rpo_hours: 24, schedule: { cron: '61 * * * *' } }, 'schedule.cron'],
        [{ rpo_hours: 24, schedule: { cron: 'every night' } }, 'schedule.cron'],
        [{ rpo_hours: 24, schedule: { cron: '0 2 * * *', tz: 'Mars/Olympus' } }, 'schedule.tz'],
        [{ rpo_hours: 24, extra: true }, 'extra'],
        [[], 'body'],
      ];
      for (const [body, field] of cases) {
        const res = await put('web-03', body).expect(400);
        assert.equal(res.body.error.field, field, JSON.stringify(body));
        assert.equal(res.body.error.status, 400);
        assert.equal(typeof res.body.error.message, 'string');
      }
      await hub.http.put('/api/v1/machines/web-03/policy').set('Authorization', 'Bearer admin').set('Content-Type', 'text/plain').send('rpo_hours=1').expect(415);
      const long = await put('x'.repeat(256), { rpo_hours: 1 }).expect(400);
      assert.equal(long.body.error.field, 'vm_name');
      assert.equal((await get('web-03').expect(200)).body.policy.rpo_hours, 8);
    });

    it('sets the policy a registration carries, and refuses a registration whose schedule does not parse', async () => {
      const request = jobRequest({ vm_name: 'db-01', protection: { rpo_hours: 6, grace_minutes: 15, schedule: { cron: '30 1 * * 1-5' } } });
      await hub.http.post('/api/v1/backups').send(request).expect(201);
      const { policy } = (await get('db-01').expect(200)).body;
      assert.deepEqual(policy, { rpo_hours: 6, grace_minutes: 15, schedule: { cron: '30 1 * * 1-5', tz: 'UTC' }, source: 'machine' });
      const bad = jobRequest({ vm_name: 'db-02', protection: { rpo_hours: 6, schedule: { cron: '99 1 * * *' } } });
      const res = await hub.http.post('/api/v1/backups').send(bad).expect(400);
      assert.equal(res.body.error.field, 'protection.schedule.cron');
      await hub.http.get(`/api/v1/backups/${bad.id}`).expect(404);
      await get('db-02').expect(404);
    });

    it('lists a VM declared by PUT before any job: pending, then at risk once its RPO and grace pass', async () => {
      const declared = (await put('silent-01', { rpo_hours: 1, grace_minutes: 0 }).expect(200)).body;
      assert.equal(declared.protection.status, 'pending');
      const machine = (await hub.http.get('/api/v1/machines/silent-01').expect(200)).body;
      assert.equal(machine.last_job, null);
      assert.equal(machine.protection.status, 'pending');
      assert.ok((await hub.http.get('/api/v1/machines').expect(200)).body.machines.some((m: { vm_name: string }) => m.vm_name === 'silent-01'));
      clock += HOUR;
      assert.equal((await get('silent-01').expect(200)).body.protection.status, 'pending', 'exactly RPO + grace is not late yet');
      clock += 1;
      const late = (await hub.http.get('/api/v1/machines/silent-01').expect(200)).body.protection;
      assert.equal(late.status, 'at_risk');
      assert.match(late.reason, /^No successful backup since the machine was first seen 1 h ago \(RPO 1 h\)$/);
    });

    it('offers the same path to the host: plugin.setPolicy / getPolicy / clearPolicy, with the same validation', async () => {
      const set = await hub.plugin.setPolicy('app-01', { rpo_hours: 0.5, grace_minutes: 5 });
      assert.deepEqual(set.policy, { rpo_hours: 0.5, grace_minutes: 5, schedule: null, source: 'machine' });
      assert.deepEqual(await hub.plugin.getPolicy('app-01'), set);
      await assert.rejects(hub.plugin.setPolicy('app-01', { rpo_hours: 24, schedule: { cron: '0 25 * * *' } }), (e: TelemetryError) => e.status === 400 && e.field === 'schedule.cron');
      assert.equal((await hub.plugin.clearPolicy('app-01')).policy.source, 'default');
      await assert.rejects(hub.plugin.getPolicy('never-seen'), (e: TelemetryError) => e.status === 404 && e.code === 'machine_not_found');
    });

    it('gives a policy without grace_minutes the plugin default grace', async () => {
      const set = (await put('web-04', { rpo_hours: 2 }).expect(200)).body;
      assert.equal(set.policy.grace_minutes, 60);
      assert.equal(set.protection.grace_minutes, 60);
    });
  });

  describe(`the admin API without authorizeAdmin (${backend.name})`, { skip: backend.skip }, () => {
    let hub: TestHub;
    before(async () => { hub = await startHub(backend); });
    after(() => hub.close());

    it('is closed: PUT and DELETE answer 403 and declare nothing, GET still reads', async () => {
      await hub.http.post('/api/v1/backups').send(jobRequest({ vm_name: 'web-01' })).expect(201);
      const res = await hub.http.put('/api/v1/machines/web-01/policy').set('Authorization', 'Bearer anything').send({ rpo_hours: 1 }).expect(403);
      assert.equal(res.body.error.code, 'forbidden');
      assert.match(res.body.error.message, /authorizeAdmin/);
      await hub.http.delete('/api/v1/machines/web-01/policy').expect(403);
      await hub.http.put('/api/v1/machines/new-vm/policy').send({ rpo_hours: 1 }).expect(403);
      await hub.http.get('/api/v1/machines/new-vm/policy').expect(404);
      assert.equal((await hub.http.get('/api/v1/machines/web-01/policy').expect(200)).body.policy.source, 'default');
    });
  });
}

