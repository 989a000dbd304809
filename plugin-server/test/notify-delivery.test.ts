import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NotificationEndpointRequest } from '@backup-telemetry/contract';
import { backends, monotonicClock, startHub, type Backend } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { startReceiver, verifyStandardWebhook, type Answer, type Hit, type Receiver } from './support/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** A hub whose deliverer is driven by the test (`deliver()`), on a clock the test can move forward. */
async function notifyHub(backend: Backend, options: Record<string, unknown> = {}) {
  let offsetMs = 0;
  const clock = monotonicClock();
  const hub = await startHub(backend, { authorizeAdmin: () => true, notifications: false, now: () => clock() + offsetMs, ...options });
  return {
    ...hub,
    advance(ms: number) { offsetMs += ms; },
    deliver: () => hub.plugin.notify.deliverer.runOnce(),
    async endpoint(body: Partial<NotificationEndpointRequest> & { url: string }) {
      return (await hub.http.post('/api/v1/notifications/endpoints').send({ events: ['job.failed'], secret: SECRET, ...body }).expect(201)).body;
    },
    async failJob(vm_name = 'web-01', error_message = 'NBD connection reset by peer') {
      const id = await registerJob(hub.http, { vm_name });
      await send(hub.http, id, update({ status: 'failed', error: error_message })).expect(200);
      return id;
    },
    async deliveries(query = '') {
      return (await hub.http.get(`/api/v1/notifications/deliveries${query}`).expect(200)).body.deliveries;
    },
    async count(table: 'notificationEvents' | 'notificationDeliveries') {
      const [{ n }] = await hub.plugin.knex(hub.plugin.store.tables[table]).count({ n: '*' });
      return Number(n);
    },
  };
}

function scripted(...answers: Answer[]) {
  return (_hit: Hit, n: number) => answers[Math.min(n, answers.length - 1)]!;
}

for (const backend of backends()) {
  describe(`webhook delivery on ${backend.name}`, { skip: backend.skip }, () => {
    let receiver: Receiver;
    before(async () => { receiver = await startReceiver(); });
    after(async () => { await receiver.close(); });

    it('retries a receiver that answered 500 and delivers once, with the same webhook-id both times', async () => {
      const rx = await startReceiver(scripted({ status: 500, body: 'database down' }, { status: 200 }));
      const hub = await notifyHub(backend);
      try {
        await hub.endpoint({ url: rx.url() });
        const jobId = await hub.failJob();
        await hub.deliver();
        assert.equal(rx.hits.length, 1);
        const [first] = await hub.deliveries();
        assert.equal(first.status, 'pending');
        assert.equal(first.last_status_code, 500);
        assert.equal(first.last_error, 'HTTP 500: database down');
        const wait = Date.parse(first.next_attempt_at) - Date.parse(first.last_attempt_at);
        assert.ok(wait > 0 && wait <= 30_000, `first retry within 30 s (${wait} ms)`);
        await hub.deliver();
        assert.equal(rx.hits.length, 1, 'not retried before it is due');
        hub.advance(wait);
        await hub.deliver();
        await hub.deliver();
        assert.equal(rx.hits.length, 2, 'retried once, then delivered: no third request');
        assert.equal(rx.hits[0]!.headers['webhook-id'], rx.hits[1]!.headers['webhook-id']);
        assert.match(String(rx.hits[0]!.headers['webhook-id']), /^msg_[0-9A-Z]{26}$/);
        assert.equal(rx.hits[0]!.body, rx.hits[1]!.body, 'the same body on every attempt');
        const payload = JSON.parse(rx.hits[1]!.body);
        assert.equal(payload.type, 'job.failed');
        assert.equal(payload.data.job.backup_id, jobId);
        assert.equal(payload.data.job.error_message, 'NBD connection reset by peer');
        assert.equal(payload.data.job.performance_metrics, undefined, 'no chart in a webhook');
        assert.ok(!Number.isNaN(Date.parse(payload.timestamp)));
        const [done] = await hub.deliveries();
        assert.deepEqual([done.status, done.attempts, done.last_status_code, done.next_attempt_at], ['delivered', 2, 200, null]);
        const metrics = await hub.plugin.metrics.registry.metrics();
        assert.match(metrics, /bt_notify_deliveries_total\{result="retried"\} 1/);
        assert.match(metrics, /bt_notify_deliveries_total\{result="delivered"\} 1/);
        assert.match(metrics, /bt_notify_queue_depth 0/);
      } finally {
        await hub.close();
        await rx.close();
      }
    });

    it("honours a 429's Retry-After and reports the queue depth and oldest age while it waits", async () => {
      const rx = await startReceiver(scripted({ status: 429, headers: { 'retry-after': '120' } }));
      const hub = await notifyHub(backend);
      try {
        await hub.endpoint({ url: rx.url() });
        await hub.failJob();
        await hub.deliver();
        const [waiting] = await hub.deliveries();
        assert.equal(waiting.status, 'pending');
        assert.equal(Date.parse(waiting.next_attempt_at) - Date.parse(waiting.last_attempt_at), 120_000);
        hub.advance(60_000);
        await hub.deliver();
        assert.equal(rx.hits.length, 1, 'nothing sent before Retry-After');
        const metrics = await hub.plugin.metrics.registry.metrics();
        assert.match(metrics, /bt_notify_queue_depth 1/);
        const oldest = Number(/^bt_notify_oldest_undelivered_seconds (\S+)$/m.exec(metrics)![1]);
        assert.ok(oldest >= 60 && oldest < 120, `oldest undelivered ${oldest} s`);
        hub.advance(61_000);
        await hub.deliver();
        assert.equal(rx.hits.length, 2);
      } finally {
        await hub.close();
        await rx.close();
      }
    });

    it('stops on 410 Gone: the delivery is gone and the endpoint disabled, so later events are not written for it', async () => {
      const rx = await startReceiver(scripted({ status: 410 }));
      const hub = await notifyHub(backend);
      try {
        const endpoint = await hub.endpoint({ url: rx.url() });
        await hub.failJob();
        await hub.deliver();
        hub.advance(3_600_000);
        await hub.deliver();
        assert.equal(rx.hits.length, 1);
        const [gone] = await hub.deliveries('?status=gone');
        assert.deepEqual([gone.status, gone.last_status_code, gone.endpoint_id], ['gone', 410, endpoint.id]);
        const listed = (await hub.http.get('/api/v1/notifications/endpoints').expect(200)).body.endpoints;
        assert.ok(listed[0].disabled_at, 'disabled');
        assert.match(listed[0].disabled_reason, /410 Gone/);
        await hub.failJob();
        assert.equal(await hub.count('notificationDeliveries'), 1, 'nothing written for a disabled endpoint');
      } finally {
        await hub.close();
        await rx.close();
      }
    });

    it('never follows a redirect: a 302 is a failed attempt and its Location is not requested', async () => {
      const rx = await startReceiver((hit) => (hit.path === '/hook' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 }));
      const hub = await notifyHub(backend);
      try {
        await hub.endpoint({ url: rx.url() });
        await hub.failJob();
        await hub.deliver();
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(rx.hits.map((h) => h.path), ['/hook']);
        const [attempt] = await hub.deliveries();
        assert.equal(attempt.status, 'pending');
        assert.equal(attempt.last_status_code, 302);
        assert.match(attempt.last_error, /redirects are not followed \(Location: \/elsewhere\)/);
      } finally {
        await hub.close();
        await rx.close();
      }
    });

    it('gives up 24 hours after the event: the delivery is failed and listed with why', async () => {
      const rx = await startReceiver(scripted({ status: 503 }));
      const hub = await notifyHub(backend);
      try {
        await hub.endpoint({ url: rx.url() });
        await hub.failJob();
        const waits: number[] = [];
        for (let attempt = 0; attempt < 20; attempt++) {
          await hub.deliver();
          const [row] = await hub.deliveries();
          if (row.status !== 'pending') break;
          const wait = Date.parse(row.next_attempt_at) - Date.parse(row.last_attempt_at);
          waits.push(wait);
          hub.advance(wait);
        }
        assert.deepEqual(waits.map((ms) => ms / 1000), [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800]);
        const failed = await hub.deliveries('?status=failed');
        assert.equal(failed.length, 1);
        assert.deepEqual([failed[0].last_status_code, failed[0].attempts, failed[0].next_attempt_at], [503, 11, null]);
        assert.equal(rx.hits.length, 11);
        assert.equal(Number(/bt_notify_deliveries_total\{result="failed"\} (\d+)/.exec(await hub.plugin.metrics.registry.metrics())![1]), 1);
      } finally {
        await hub.close();
        await rx.close();
      }
    });

    it('signs so that an independent Standard Webhooks verifier accepts whsec_, generated and plain secrets', async () => {
      const hub = await notifyHub(backend);
      try {
        const plain = 'a-plain-shared-secret-2026';
        await hub.endpoint({ url: receiver.url('/whsec'), secret: SECRET });
        await hub.endpoint({ url: receiver.url('/plain'), secret: plain });
        const generated = await hub.endpoint({ url: receiver.url('/generated'), secret: undefined });
        assert.match(generated.secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'a generated secret is returned once');
        const start = receiver.hits.length;
        await hub.failJob();
        await hub.deliver();
        const hits = (await receiver.waitFor(start + 3)).slice(start);
        const secretOf: Record<string, string> = { '/whsec': SECRET, '/plain': plain, '/generated': generated.secret };
        for (const hit of hits) {
          assert.ok(verifyStandardWebhook(secretOf[hit.path]!, hit.headers, hit.body), `${hit.path} verifies`);
          assert.ok(!verifyStandardWebhook(secretOf[hit.path]!, hit.headers, `${hit.body} `), 'a changed body does not');
          assert.equal(hit.headers['content-type'], 'application/json');
        }
        assert.ok(!verifyStandardWebhook(SECRET, hits.find((h) => h.path === '/plain')!.headers, hits.find((h) => h.path === '/plain')!.body), 'another secret does not');
      } finally {
        await hub.close();
      }
    });

    it('escapes untrusted names and messages in Slack and ntfy bodies, and posts ntfy JSON to the server root', async () => {
      const hub = await notifyHub(backend);
      try {
        await hub.endpoint({ url: receiver.url('/slack/T000/B000'), format: 'slack' });
        await hub.endpoint({ url: receiver.url('/alerts'), format: 'ntfy' });
        const start = receiver.hits.length;
        await hub.failJob('<!channel> & <https://evil.example|click>', 'boom\u001b[31m red\u0007 <@U123>');
        await hub.deliver();
        const hits = (await receiver.waitFor(start + 2)).slice(start);
        const slack = JSON.parse(hits.find((h) => h.path === '/slack/T000/B000')!.body);
        assert.equal(slack.text, ':rotating_light: Backup of &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; failed: boom [31m red &lt;@U123&gt;');
        assert.doesNotMatch(JSON.stringify(slack), /<!channel>|<https:|<@U123>|\\u001b|\\u0007/);
        assert.equal(slack.blocks[0].type, 'section');
        const ntfy = JSON.parse(hits.find((h) => h.path === '/')!.body);
        assert.equal(ntfy.topic, 'alerts');
        assert.equal(ntfy.title, 'Backup of <!channel> & <https://evil.example|click> failed');
        assert.equal(ntfy.message, 'boom [31m red <@U123>');
        assert.equal(ntfy.priority, 5);
        assert.deepEqual(ntfy.tags, ['x', 'job.failed']);
      } finally {
        await hub.close();
      }
    });

    it('writes job.stale for a job failed by silence, in the stale transaction', async () => {
      const hub = await notifyHub(backend, { staleWarnAfterSeconds: 60, staleFailAfterSeconds: 300 });
      try {
        await hub.endpoint({ url: receiver.url('/stale'), events: ['job.stale', 'job.failed'] });
        const id = await registerJob(hub.http, { vm_name: 'quiet-vm' });
        await send(hub.http, id, update()).expect(200);
        hub.advance(301_000);
        assert.deepEqual((await hub.plugin.stale.checkOnce()).failed, [id]);
        const start = receiver.hits.length;
        await hub.deliver();
        const [hit] = (await receiver.waitFor(start + 1)).slice(start);
        const payload = JSON.parse(hit!.body);
        assert.equal(payload.type, 'job.stale', 'a failure by silence is job.stale, not also job.failed');
        assert.equal(payload.data.job.status, 'failed');
        assert.match(payload.data.job.error_message, /^Job stalled/);
        assert.equal(await hub.count('notificationEvents'), 1);
      } finally {
        await hub.close();
      }
    });

    it('writes machine events in the caller’s transaction: committed ones are delivered, rolled-back ones never exist', async () => {
      const hub = await notifyHub(backend);
      try {
        await hub.endpoint({ url: receiver.url('/machines'), events: ['machine.at_risk', 'machine.protected'] });
        const machine = { vm_name: 'db-01', protection: { status: 'at_risk', reason: 'No successful backup for 31 h (RPO 24 h)' } };
        await hub.plugin.store.transaction(async (trx) => {
          assert.equal(await hub.plugin.notify.enqueueMachineEvent(trx, 'machine.at_risk', { machine }), true);
        });
        await hub.plugin.store.transaction(async (trx) => {
          await hub.plugin.notify.enqueueMachineEvent(trx, 'machine.protected', { machine: { ...machine, protection: { status: 'protected' } } });
          throw new Error('the sweep lost its conditional UPDATE');
        }).catch(() => undefined);
        assert.equal(await hub.count('notificationEvents'), 1);
        const start = receiver.hits.length;
        await hub.deliver();
        const [hit] = (await receiver.waitFor(start + 1)).slice(start);
        assert.deepEqual(JSON.parse(hit!.body).data, { machine });
      } finally {
        await hub.close();
      }
    });

    it('sends every committed event with the deliverer on its timer, and a hanging receiver does not slow ingest', async () => {
      const hang = await startReceiver(() => 'hang');
      const hub = await notifyHub(backend, { notifications: true, notifyPollIntervalMs: 50, notifyTimeoutMs: 120_000 });
      try {
        const timeIngest = async () => {
          const id = await registerJob(hub.http);
          const started = performance.now();
          for (let i = 1; i <= 200; i++) await send(hub.http, id, update({ bytes_transferred: i })).expect(200);
          return performance.now() - started;
        };
        const unhung = await timeIngest();
        await hub.endpoint({ url: hang.url(), events: ['job.failed'] });
        for (let i = 0; i < 6; i++) await hub.failJob(`vm-${i}`);
        await hang.waitFor(4);
        const hung = await timeIngest();
        assert.equal(hang.hanging(), 4, 'every deliverer slot still waits on the receiver: ingest finished meanwhile');
        assert.ok(hung < unhung * 5 + 2000, `200 updates took ${hung.toFixed(0)} ms with the receiver hanging, ${unhung.toFixed(0)} ms without`);
      } finally {
        await hub.close();
        await hang.close();
      }
    });

    it('times an attempt out after notifyTimeoutMs and records why', async () => {
      const hang = await startReceiver(() => 'hang');
      const hub = await notifyHub(backend, { notifyTimeoutMs: 300 });
      try {
        await hub.endpoint({ url: hang.url() });
        await hub.failJob();
        await hub.deliver();
        const [attempt] = await hub.deliveries();
        assert.deepEqual([attempt.status, attempt.last_status_code, attempt.last_error], ['pending', null, 'no answer within 300 ms']);
      } finally {
        await hub.close();
        await hang.close();
      }
    });
  });
}
