import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { reminderDue } from '../src/notify/alert-life.js';
import { globPattern, wants } from '../src/notify/endpoints.js';
import { ntfyTarget, plain, slackEscape } from '../src/notify/formats.js';
import { GIVE_UP_AFTER_MS, nextAttemptAt, outcomeOf, parseRetryAfter } from '../src/notify/schedule.js';
import { sign, signingKey } from '../src/notify/signature.js';
import { backends, migratedPlugin, monotonicClock, servers, startHub, titleOf, uniquePrefix, type Backend } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { startReceiver, verifyStandardWebhook, type Receiver } from './support/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('webhook signing, schedule and formats (pure)', () => {
  it("matches the Standard Webhooks specification's example signature", () => {
    assert.equal(sign(SECRET, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    assert.ok(verifyStandardWebhook(SECRET, {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    }, '{"test": 2432232314}', 1614265330), 'the test verifier agrees');
    assert.deepEqual(signingKey('not-whsec-secret-123'), Buffer.from('not-whsec-secret-123', 'utf8'), 'other secrets are their UTF-8 bytes');
  });

  it('retries first within 30 s, backs off to 8 h, gives up 24 h after the event, and honours Retry-After', () => {
    assert.equal(nextAttemptAt(1, 0, 0), 5_000);
    assert.equal(nextAttemptAt(2, 0, 0), 30_000);
    assert.equal(nextAttemptAt(20, 0, 0), 8 * 3_600_000);
    assert.equal(nextAttemptAt(20, 0, GIVE_UP_AFTER_MS - 3_600_000), null);
    assert.equal(nextAttemptAt(1, 0, 0, 120_000), 120_000);
    assert.equal(nextAttemptAt(1, 0, 0, GIVE_UP_AFTER_MS + 1), null, 'a Retry-After past the give-up time gives up');
    assert.equal(parseRetryAfter('120', 0), 120_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')), 60_000);
    assert.equal(parseRetryAfter('soon', 0), undefined);
    assert.equal(parseRetryAfter(null, 0), undefined);
    assert.deepEqual([200, 204, 410, 302, 404, 429, 500, null].map((s) => outcomeOf(s).kind), ['delivered', 'delivered', 'gone', 'retry', 'retry', 'retry', 'retry', 'retry']);
  });

  it('routes by event type, VM-name glob and minimum severity', () => {
    const endpoint = { events: ['job.failed', 'job.completed', 'job.stale'] as const, filters: { vm_name: 'db-*', min_severity: 'warning' as const }, disabled_at: null };
    const e = { ...endpoint, events: [...endpoint.events] };
    assert.equal(wants(e, 'job.failed', 'db-01'), true);
    assert.equal(wants(e, 'job.stale', 'db-01'), true, 'warning passes min_severity warning');
    assert.equal(wants(e, 'job.completed', 'db-01'), false, 'info is below warning');
    assert.equal(wants(e, 'job.failed', 'web-01'), false, 'name does not match');
    assert.equal(wants(e, 'machine.at_risk', 'db-01'), false, 'type not chosen');
    assert.equal(wants({ ...e, disabled_at: 1 }, 'job.failed', 'db-01'), false, 'disabled');
    assert.ok(globPattern('web-0?.example.[a]').test('web-01.example.[a]'), 'only * and ? are special');
    assert.ok(!globPattern('web-0?').test('web-0'));
  });

  it('cleans untrusted text and finds the ntfy topic', () => {
    assert.equal(plain('a\u0000b\u202Ec\n\nd', 100), 'a b c d');
    assert.equal(plain('x'.repeat(300), 10), `${'x'.repeat(9)}…`);
    assert.equal(slackEscape('<!here> & <@U1>'), '&lt;!here&gt; &amp; &lt;@U1&gt;');
    assert.deepEqual(ntfyTarget('https://ntfy.example.com/base/backups?x=1'), { root: 'https://ntfy.example.com/base/', topic: 'backups' });
  });
});

async function apiHub(backend: Backend, options: Record<string, unknown> = {}) {
  const hub = await startHub(backend, { authorizeAdmin: () => true, notifications: false, ...options });
  const post = (body: unknown) => hub.http.post('/api/v1/notifications/endpoints').send(body as object);
  return { ...hub, post, deliver: () => hub.plugin.notify.deliverer.runOnce() };
}

const countOf = async (hub: Awaited<ReturnType<typeof apiHub>>, table: 'notificationEvents' | 'notificationDeliveries') =>
  Number((await hub.plugin.knex(hub.plugin.store.tables[table]).count({ n: '*' }))[0]!.n);

for (const backend of backends()) {
  describe(`webhook endpoints API on ${backend.name}`, { skip: backend.skip }, () => {
    let receiver: Receiver;
    before(async () => { receiver = await startReceiver(); });
    after(async () => { await receiver.close(); });

    it('is closed without authorizeAdmin, and asks it with {action: notifications}', async () => {
      const closed = await startHub(backend, {});
      const asked: unknown[] = [];
      const guarded = await startHub(backend, { authorizeAdmin: (_req, target) => { asked.push(target); return false; } });
      try {
        const closedRes = await closed.http.get('/api/v1/notifications/endpoints').expect(403);
        assert.equal(closedRes.body.error.code, 'forbidden');
        await guarded.http.post('/api/v1/notifications/endpoints').send({ url: receiver.url(), events: ['job.failed'] }).expect(403);
        await guarded.http.get('/api/v1/notifications/deliveries').expect(403);
        assert.deepEqual(asked, [{ action: 'notifications' }, { action: 'notifications' }]);
      } finally {
        await closed.close();
        await guarded.close();
      }
    });

    it('answers 400 naming the field, and stores nothing', async () => {
      const hub = await apiHub(backend);
      try {
        const cases: [unknown, string][] = [
          [[], 'body'],
          [{ events: ['job.failed'] }, 'url'],
          [{ url: 'ftp://example.com/x', events: ['job.failed'] }, 'url'],
          [{ url: 'not a url', events: ['job.failed'] }, 'url'],
          [{ url: receiver.url() }, 'events'],
          [{ url: receiver.url(), events: ['job.failed', 'job.exploded'] }, 'events[1]'],
          [{ url: receiver.url(), events: ['job.failed'], format: 'teams' }, 'format'],
          [{ url: receiver.url(), events: ['job.failed'], secret: 'short' }, 'secret'],
          [{ url: receiver.url(), events: ['job.failed'], secret: 'whsec_c2hvcnQ=' }, 'secret'],
          [{ url: receiver.url(), events: ['job.failed'], filters: { min_severity: 'loud' } }, 'filters.min_severity'],
          [{ url: receiver.url(), events: ['job.failed'], filters: { vm: 'x' } }, 'filters.vm'],
          [{ url: receiver.url(), events: ['job.failed'], colour: 'red' }, 'colour'],
        ];
        for (const [body, field] of cases) {
          const res = await hub.post(body).expect(400);
          assert.equal(res.body.error.status, 400);
          assert.equal(res.body.error.field, field, JSON.stringify(body));
          assert.equal(typeof res.body.error.message, 'string');
        }
        assert.deepEqual((await hub.http.get('/api/v1/notifications/endpoints').expect(200)).body.endpoints, []);
        assert.equal((await hub.http.get('/api/v1/notifications/deliveries?status=lost').expect(400)).body.error.field, 'status');
        assert.equal((await hub.http.get('/api/v1/notifications/deliveries?limit=0').expect(400)).body.error.field, 'limit');
      } finally {
        await hub.close();
      }
    });

    it('creates, lists (never with the secret), tests and deletes an endpoint', async () => {
      const hub = await apiHub(backend);
      try {
        const created = (await hub.post({ url: receiver.url('/api'), events: ['job.failed'], secret: SECRET, filters: { vm_name: 'db-*' } }).expect(201)).body;
        assert.match(created.id, /^ep_[0-9a-f]{20}$/);
        assert.deepEqual(Object.keys(created).sort(), ['created_at', 'disabled_at', 'disabled_reason', 'events', 'filters', 'format', 'id', 'source', 'url']);
        assert.deepEqual([created.format, created.source, created.filters], ['generic', 'api', { vm_name: 'db-*' }]);
        const listed = (await hub.http.get('/api/v1/notifications/endpoints').expect(200)).body.endpoints;
        assert.deepEqual(listed, [created]);
        assert.doesNotMatch(JSON.stringify(listed), /whsec_/);
        const start = receiver.hits.length;
        const test = (await hub.http.post(`/api/v1/notifications/endpoints/${created.id}/test`).expect(202)).body;
        await hub.deliver();
        const [hit] = (await receiver.waitFor(start + 1)).slice(start);
        assert.equal(hit!.headers['webhook-id'], test.event_id);
        assert.equal(JSON.parse(hit!.body).type, 'test', 'sent although the endpoint lists only job.failed');
        assert.ok(verifyStandardWebhook(SECRET, hit!.headers, hit!.body));
        const [delivery] = (await hub.http.get(`/api/v1/notifications/deliveries?endpoint_id=${created.id}&limit=10`).expect(200)).body.deliveries;
        assert.deepEqual([delivery.event_id, delivery.event_type, delivery.status, delivery.attempts], [test.event_id, 'test', 'delivered', 1]);
        await hub.http.delete(`/api/v1/notifications/endpoints/${created.id}`).expect(204);
        assert.equal((await hub.http.delete(`/api/v1/notifications/endpoints/${created.id}`).expect(404)).body.error.code, 'endpoint_not_found');
        assert.equal((await hub.http.post('/api/v1/notifications/endpoints/ep_none/test').expect(404)).body.error.field, 'id');
        assert.deepEqual((await hub.http.get('/api/v1/notifications/deliveries').expect(200)).body.deliveries, [], 'its deliveries went with it');
      } finally {
        await hub.close();
      }
    });

    it('writes nothing when no endpoint wants the event, and routes by VM pattern and severity', async () => {
      const hub = await apiHub(backend);
      try {
        await hub.post({ url: receiver.url('/routed'), events: ['job.failed', 'job.completed'], secret: SECRET, filters: { vm_name: 'db-*', min_severity: 'critical' } }).expect(201);
        const cancelled = await registerJob(hub.http, { vm_name: 'db-01' });
        await send(hub.http, cancelled, update({ status: 'cancelled' })).expect(200);
        const completed = await registerJob(hub.http, { vm_name: 'db-01' });
        await send(hub.http, completed, update({ status: 'completed' })).expect(200);
        const otherVm = await registerJob(hub.http, { vm_name: 'web-01' });
        await send(hub.http, otherVm, update({ status: 'failed', error: 'disk full' })).expect(200);
        assert.equal(await countOf(hub, 'notificationEvents'), 0, 'cancelled: no endpoint wants it; completed: below critical; web-01: not db-*');
        const wanted = await registerJob(hub.http, { vm_name: 'db-02' });
        await send(hub.http, wanted, update({ status: 'failed', error: 'disk full' })).expect(200);
        assert.equal(await countOf(hub, 'notificationEvents'), 1);
        assert.equal(await countOf(hub, 'notificationDeliveries'), 1);
      } finally {
        await hub.close();
      }
    });

    it('with alertAfterConsecutiveFailures 2, alerts on the second failure in a row only', async () => {
      const hub = await apiHub(backend, { alertAfterConsecutiveFailures: 2 });
      try {
        await hub.post({ url: receiver.url('/second'), events: ['job.failed'], secret: SECRET }).expect(201);
        const end = async (status: 'failed' | 'completed') => {
          const id = await registerJob(hub.http, { vm_name: 'flaky-01' });
          await send(hub.http, id, update(status === 'failed' ? { status, error: 'timeout' } : { status })).expect(200);
        };
        await end('failed');
        assert.equal(await countOf(hub, 'notificationEvents'), 0, 'one failure: no alert');
        await end('failed');
        assert.equal(await countOf(hub, 'notificationEvents'), 1, 'second in a row: alert');
        assert.equal(await countOf(hub, 'notificationDeliveries'), 1);
        await end('completed');
        await end('failed');
        assert.equal(await countOf(hub, 'notificationEvents'), 1, 'a success resets the count');
      } finally {
        await hub.close();
      }
    });

    it('upserts notificationEndpoints at migrate, once across restarts, and refuses a generic one without a secret', async () => {
      const prefix = uniquePrefix();
      const url = backend.url();
      const configured = [{ url: receiver.url('/configured'), events: ['job.failed' as const], secret: SECRET }];
      const first = await migratedPlugin({ ...backend, url: () => url }, { tablePrefix: prefix, notificationEndpoints: configured, notifications: false, now: monotonicClock() });
      await first.dispose({ keepTables: true });
      const second = await migratedPlugin({ ...backend, url: () => url }, { tablePrefix: prefix, notificationEndpoints: [{ ...configured[0]!, events: ['job.failed', 'job.stale'] }], notifications: false });
      try {
        const rows = await second.plugin.notify.endpoints.all(second.plugin.knex);
        assert.equal(rows.length, 1);
        assert.deepEqual([rows[0]!.source, rows[0]!.events], ['option', ['job.failed', 'job.stale']]);
        assert.match(rows[0]!.id, /^cfg_[0-9a-f]{20}$/);
      } finally {
        await second.dispose();
      }
      await assert.rejects(
        migratedPlugin(backend, { notificationEndpoints: [{ url: receiver.url(), events: ['job.failed'] }] }),
        /notificationEndpoints\[0\]\.secret is required/,
      );
      await assert.rejects(migratedPlugin(backend, { notificationEndpoints: [{ url: receiver.url(), events: ['nope' as 'test'] }] }), /notificationEndpoints\[0\]\.events\[0\] must be one of/);
    });
  });
}

for (const server of servers()) {
  describe(`the ${titleOf(server)} ingest with webhooks`, { skip: server.skip }, () => {
    it('writes the outbox rows of an ended job in the same round trips as without them', async () => {
      const receiver = await startReceiver();
      const hub = await apiHub(server);
      try {
        // Counts the queries the ingest sends on connections from the plugin's pool (one per round trip).
        const client = hub.plugin.knex.client as unknown as { acquireConnection(): Promise<{ query: (...args: unknown[]) => unknown }> };
        const acquire = client.acquireConnection.bind(client);
        let queries = 0;
        client.acquireConnection = async () => {
          const conn = await acquire();
          const query = conn.query;
          if (!(query as { counted?: boolean }).counted) {
            conn.query = Object.assign(function (this: unknown, ...args: unknown[]) { queries += 1; return query.apply(this, args); }, { counted: true });
          }
          return conn;
        };
        const roundTripsOfAnEnd = async () => {
          const id = await registerJob(hub.http, { vm_name: 'rt-01' });
          await send(hub.http, id, update()).expect(200);
          queries = 0;
          await hub.plugin.ingest.submit('backup', id, update({ status: 'failed', error: 'disk full' }));
          return queries;
        };
        const without = await roundTripsOfAnEnd();
        await hub.post({ url: receiver.url(), events: ['job.failed'], secret: SECRET }).expect(201);
        const withEndpoint = await roundTripsOfAnEnd();
        assert.equal(await countOf(hub, 'notificationEvents'), 1, 'the second end wrote its event');
        assert.ok(without >= 1);
        assert.equal(withEndpoint, without, `round trips of an end: ${without} without an endpoint, ${withEndpoint} with one`);
      } finally {
        await hub.close();
        await receiver.close();
      }
    });
  });
}

for (const backend of backends()) {
  describe(`webhook retention on ${backend.name}`, { skip: backend.skip }, () => {
    it('prunes finished deliveries and their events after notifyRetentionDays, never a pending one', async () => {
      let offsetMs = 0;
      const clock = monotonicClock();
      const receiver = await startReceiver((hit) => (hit.path === '/down' ? { status: 503 } : { status: 200 }));
      const hub = await apiHub(backend, { now: () => clock() + offsetMs, notifyRetentionDays: 30 });
      try {
        await hub.post({ url: receiver.url('/up'), events: ['job.failed'], secret: SECRET }).expect(201);
        const id = await registerJob(hub.http);
        await send(hub.http, id, update({ status: 'failed', error: 'disk full' })).expect(200);
        await hub.deliver();
        await hub.post({ url: receiver.url('/down'), events: ['job.failed'], secret: SECRET }).expect(201);
        offsetMs += 31 * 86_400_000;
        const later = await registerJob(hub.http);
        await send(hub.http, later, update({ status: 'failed', error: 'disk full again' })).expect(200);
        await hub.deliver();
        assert.deepEqual(await hub.plugin.notify.prune(), { deliveries: 1, events: 1 }, 'the month-old delivered one and its event');
        const left = (await hub.http.get('/api/v1/notifications/deliveries').expect(200)).body.deliveries;
        assert.deepEqual(left.map((d: { status: string }) => d.status).sort(), ['delivered', 'pending'], 'this month’s: one delivered, one still retrying');
        assert.equal(await countOf(hub, 'notificationEvents'), 1);
      } finally {
        await hub.close();
        await receiver.close();
      }
    });
  });
}

describe('at-risk reminders (pure)', () => {
  it('is due atRiskReminderHours after the VM went at risk or was last reminded', () => {
    const h = 3_600_000;
    assert.equal(reminderDue(0, null, 23 * h, 24 * h), false);
    assert.equal(reminderDue(0, null, 24 * h, 24 * h), true);
    assert.equal(reminderDue(0, 24 * h, 47 * h, 24 * h), false);
    assert.equal(reminderDue(10 * h, 2 * h, 34 * h, 24 * h), true, "an older episode's reminder does not count");
    assert.equal(reminderDue(0, null, 1000 * h, 0), false, '0: off');
  });
});

for (const backend of backends()) {
  describe(`at-risk reminders on ${backend.name}`, { skip: backend.skip }, () => {
    it('reminds once per atRiskReminderHours while a VM stays at risk, across concurrent passes, and stops when it is protected', async () => {
      let offsetMs = 0;
      const clock = monotonicClock();
      const receiver = await startReceiver();
      const hub = await apiHub(backend, { now: () => clock() + offsetMs, atRiskReminderHours: 24 });
      try {
        await hub.post({ url: receiver.url('/reminders'), events: ['machine.at_risk'], secret: SECRET }).expect(201);
        await registerJob(hub.http, { vm_name: 'db-07' });
        const wentAtRisk = clock() + offsetMs;
        // What the at-risk sweep records when the VM goes at risk.
        const summaries = () => hub.plugin.knex(hub.plugin.store.tables.machineSummaries).where({ vm_name: 'db-07' });
        await summaries().update({ protection_state: 'at_risk', protection_changed_at: wentAtRisk });
        const pass = async () => (await Promise.all([hub.plugin.notify.remindOnce(), hub.plugin.notify.remindOnce()])).flat();
        assert.deepEqual(await pass(), []);
        offsetMs += 24 * 3_600_000;
        assert.deepEqual(await pass(), ['db-07'], 'one reminder, whichever pass won');
        assert.deepEqual(await pass(), []);
        offsetMs += 24 * 3_600_000;
        assert.deepEqual(await pass(), ['db-07']);
        await summaries().update({ protection_state: 'protected', protection_changed_at: clock() + offsetMs });
        offsetMs += 48 * 3_600_000;
        assert.deepEqual(await pass(), [], 'no reminder once protected');
        await hub.deliver();
        const hits = await receiver.waitFor(2);
        const first = JSON.parse(hits[0]!.body);
        assert.equal(first.type, 'machine.at_risk');
        assert.deepEqual(first.data, { machine: { vm_name: 'db-07', protection: { status: 'at_risk' } }, reminder: true, at_risk_since: new Date(wentAtRisk).toISOString() });
      } finally {
        await hub.close();
        await receiver.close();
      }
    });
  });
}
