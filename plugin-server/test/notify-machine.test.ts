import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, monotonicClock, startHub } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { startReceiver, verifyStandardWebhook, type Receiver } from './support/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const HOUR = 3_600_000;

/** A VM that misses its RPO pages a person through a webhook: the at-risk sweep writes the event with its change. */
for (const backend of backends()) {
  describe(`machine.at_risk and machine.protected webhooks (${backend.name})`, { skip: backend.skip }, () => {
    let rx: Receiver;
    before(async () => { rx = await startReceiver(); });
    after(() => rx.close());

    it('sends machine.at_risk once when a VM misses its RPO, signed, and machine.protected when a success brings it back', async () => {
      let offset = 0;
      const clock = monotonicClock();
      const hub = await startHub(backend, {
        notifications: false, now: () => clock() + offset,
        notificationEndpoints: [{ url: rx.url(), events: ['machine.at_risk', 'machine.protected'], secret: SECRET }],
      });
      try {
        const first = await registerJob(hub.http, { vm_name: 'db-07' });
        await send(hub.http, first, update({ status: 'completed' })).expect(200);
        await hub.plugin.stale.checkOnce();
        await hub.plugin.notify.deliverer.runOnce();
        assert.equal(rx.hits.length, 0, 'a protected VM pages nobody');

        offset = 25 * HOUR + 60_000; // past the default 24 h RPO and its 60 min grace
        const passes = await Promise.all([hub.plugin.stale.checkOnce(), hub.plugin.stale.checkOnce()]);
        assert.deepEqual(passes.flatMap((p) => p.at_risk), ['db-07'], 'one change, reported by one pass');
        await hub.plugin.notify.deliverer.runOnce();
        await hub.plugin.stale.checkOnce();
        await hub.plugin.notify.deliverer.runOnce();
        assert.equal(rx.hits.length, 1, 'paged once per miss');
        const hit = rx.hits[0]!;
        assert.ok(verifyStandardWebhook(SECRET, hit.headers, hit.body, (clock() + offset) / 1000), 'signed the Standard Webhooks way (stamped on the hub clock)');
        const body = JSON.parse(hit.body);
        assert.equal(body.type, 'machine.at_risk');
        assert.equal(body.data.machine.vm_name, 'db-07');
        assert.equal(body.data.machine.protection.status, 'at_risk');
        assert.match(body.data.machine.protection.reason, /^No successful backup for 25 h \(RPO 24 h\)/);

        const second = await registerJob(hub.http, { vm_name: 'db-07' });
        await send(hub.http, second, update({ status: 'completed' })).expect(200);
        await hub.plugin.stale.checkOnce();
        await hub.plugin.notify.deliverer.runOnce();
        assert.equal(rx.hits.length, 2);
        const resolved = JSON.parse(rx.hits[1]!.body);
        assert.equal(resolved.type, 'machine.protected');
        assert.equal(resolved.data.machine.previous_status, 'at_risk');
        assert.notEqual(rx.hits[1]!.headers['webhook-id'], hit.headers['webhook-id']);
      } finally {
        await hub.close();
      }
    });
  });
}

/** A job the hub finds unusual for its machine is also `job.anomaly`, written in the transaction that ends it. */
for (const backend of backends()) {
  describe(`job.anomaly webhooks (${backend.name})`, { skip: backend.skip }, () => {
    it('sends job.anomaly for an injected 10× incremental, with its findings, and none for normal nights', async () => {
      const rx = await startReceiver();
      const clock = { ms: Date.UTC(2026, 0, 1, 2, 0) };
      const hub = await startHub(backend, {
        notifications: false, now: () => clock.ms,
        notificationEndpoints: [{ url: rx.url(), events: ['job.anomaly'], secret: SECRET }],
      });
      const GIB = 1024 ** 3;
      const night = async (bytes: number) => {
        const id = await registerJob(hub.http, { vm_name: 'web-01', backup_type: 'incremental' });
        clock.ms += 1_800_000;
        await send(hub.http, id, { status: 'completed', bytes_transferred: bytes, total_bytes: bytes }).expect(200);
        clock.ms += 86_400_000 - 1_800_000;
        return id;
      };
      try {
        for (let i = 0; i < 8; i++) await night(Math.round(10 * GIB * (1 + 0.05 * Math.sin(i * 1.7))));
        await hub.plugin.notify.deliverer.runOnce();
        assert.equal(rx.hits.length, 0, 'normal nights page nobody');
        const spike = await night(100 * GIB);
        await hub.plugin.notify.deliverer.runOnce();
        assert.equal(rx.hits.length, 1);
        const body = JSON.parse(rx.hits[0]!.body);
        assert.equal(body.type, 'job.anomaly');
        assert.equal(body.data.job.backup_id, spike);
        assert.equal(body.data.anomalies[0].metric, 'bytes_transferred');
        assert.match(body.data.anomalies[0].message, /^10× the usual size for an incremental/);
      } finally {
        await hub.close();
        await rx.close();
      }
    });
  });
}
