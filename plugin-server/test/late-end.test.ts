import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobEndedEvent, TerminalStatus } from '@backup-telemetry/contract';
import type { Socket as ClientSocket } from 'socket.io-client';
import { backends } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { next, request, startLiveHub, type LiveHub } from './support/live.js';

/**
 * An end stamped before the newest applied update (an agent restarted or failed over to a host with
 * another clock, an NTP step) is never dropped as "older": the job ends, the newer progress stays.
 */

const disks = [{ disk_index: 0, total_bytes: 1000 }, { disk_index: 1, total_bytes: 3000 }];
const progress = (timestamp?: number) => update({
  current_phase: 'transferring', bytes_transferred: undefined, total_bytes: undefined,
  disks: [{ disk_index: 0, bytes_transferred: 600 }, { disk_index: 1, bytes_transferred: 900 }],
  details: { files_new: 7 }, ...(timestamp === undefined ? {} : { timestamp }),
});
/** An end whose progress is older than the update before it: none of it may overwrite the newer progress. */
const end = (status: TerminalStatus, timestamp: number) => ({
  status, timestamp, current_phase: 'finishing', bytes_transferred: 10, disks: [{ disk_index: 0, bytes_transferred: 1 }],
  details: { files_new: 1, snapshot_id: 'abc123' }, ...(status === 'failed' ? { error: 'repository locked' } : {}),
});

type Transport = 'http' | 'socket';

/** Sends one update the way an agent on `transport` does; resolves with `applied`, or the refusal's status. */
async function deliver(hub: LiveHub, agent: ClientSocket, transport: Transport, id: string, body: object): Promise<{ applied?: boolean; status?: number }> {
  if (transport === 'http') {
    const res = await send(hub.http, id, body);
    return res.status === 200 ? { applied: res.body.applied } : { status: res.status };
  }
  const ack = await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...body });
  return ack.ok ? { applied: ack.applied } : { status: ack.error.status };
}

const orderings: { name: string; status: TerminalStatus; before: () => number | undefined; endAt: () => number }[] = [
  ...(['completed', 'failed', 'cancelled'] as const).map((status) => ({
    name: `a ${status} stamped 5 s before the newest progress`, status, before: () => Date.now(), endAt: () => Date.now() - 5000,
  })),
  { name: 'an unstamped update, then a completed stamped 1.5 s behind (a slow client clock)', status: 'completed', before: () => undefined, endAt: () => Date.now() - 1500 },
  { name: 'progress stamped a minute ahead (inside the window), then a normally stamped completed', status: 'completed', before: () => Date.now() + 60_000, endAt: () => Date.now() },
];

for (const backend of backends()) {
  describe(`an end that arrives out of order on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: LiveHub;
    let agent: ClientSocket;
    let viewer: ClientSocket;
    before(async () => {
      hub = await startLiveHub(backend, { now: Date.now, staleWarnAfterSeconds: 1, staleFailAfterSeconds: 2 });
      agent = await hub.client();
      viewer = await hub.client();
    });
    after(async () => { await hub?.close(); });

    for (const transport of ['http', 'socket'] as const) {
      for (const ordering of orderings) {
        it(`ends the job after ${ordering.name} (${transport}), keeping the newer progress`, async () => {
          const id = await registerJob(hub.http, { disks });
          await request(viewer, 'subscribe', { job_id: id });
          assert.deepEqual(await deliver(hub, agent, transport, id, progress(ordering.before())), { applied: true });
          const pushed = next(viewer, `job:${ordering.status}`, (e: JobEndedEvent) => e.job.backup_id === id);
          const ended = new Promise<JobEndedEvent>((resolve) => {
            const on = (e: JobEndedEvent) => { if (e.job.backup_id === id) { hub.plugin.events.off('job:ended', on); resolve(e); } };
            hub.plugin.events.on('job:ended', on);
          });

          assert.deepEqual(await deliver(hub, agent, transport, id, end(ordering.status, ordering.endAt())), { applied: true });
          const event = await ended;
          assert.equal((await pushed).job.status, ordering.status, 'viewers are told the job ended');
          const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
          assert.equal(job.status, ordering.status);
          assert.equal(job.bytes_transferred, 1500, 'bytes are the sum of the newer progress of the disks');
          assert.deepEqual(job.disks.map((d: { bytes_transferred: number }) => d.bytes_transferred), [600, 900]);
          assert.equal(job.current_phase, 'transferring', "the older end's phase does not overwrite the newer one");
          assert.deepEqual(job.details, { files_new: 7, snapshot_id: 'abc123' }, 'the end adds the details the job lacked');
          if (ordering.status === 'failed') assert.equal(job.error_message, 'repository locked');
          assert.ok(job.completed_at, 'the end has its time');
          const metrics = job.performance_metrics;
          assert.ok(metrics, 'the job is rolled up');
          assert.deepEqual(event.performance_metrics, metrics);
          const times = metrics.chart_data.map((point: { t: number }) => point.t);
          assert.equal(times.length, 2, 'the progress snapshot and the end');
          assert.ok(times[1] >= times[0], `the end (${times[1]} s) is not placed before the newer progress (${times[0]} s)`);

          assert.deepEqual(await deliver(hub, agent, transport, id, end(ordering.status, ordering.endAt())), { applied: false }, 'a repeated end is not applied again');
          assert.deepEqual(await deliver(hub, agent, transport, id, { status: ordering.status === 'failed' ? 'completed' : 'failed' }), { status: 409 });
          assert.deepEqual(await deliver(hub, agent, transport, id, update({ timestamp: Date.now() - 60_000 })), { status: 409 }, 'an older progress update after the end is refused');
          assert.ok(!(await hub.plugin.stale.checkOnce()).failed.includes(id));
          assert.equal((await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body.status, ordering.status);
        });
      }
    }

    it('applies an out-of-order end within one group, and refuses a different end after it', async () => {
      const a = await registerJob(hub.http, { disks });
      const b = await registerJob(hub.http, { disks });
      const t = Date.now();
      await send(hub.http, a, progress(t - 10_000)).expect(200);
      await send(hub.http, b, progress(t - 10_000)).expect(200);
      const outcomes = await Promise.allSettled([
        hub.plugin.ingest.submit('backup', a, progress(t)),
        hub.plugin.ingest.submit('backup', a, end('completed', t - 1000)),
        hub.plugin.ingest.submit('backup', a, end('failed', t - 2000)),
        hub.plugin.ingest.submit('backup', b, progress(t)),
        hub.plugin.ingest.submit('backup', b, end('cancelled', t - 1000)),
        hub.plugin.ingest.submit('backup', b, end('cancelled', t - 500)),
      ]);
      assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.applied : (o.reason as { status: number }).status)), [true, true, 409, true, true, false]);
      const [jobA, jobB] = await Promise.all([a, b].map(async (id) => (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body));
      assert.deepEqual([jobA.status, jobA.bytes_transferred, jobA.current_phase], ['completed', 1500, 'transferring']);
      assert.deepEqual([jobB.status, jobB.bytes_transferred, jobB.current_phase], ['cancelled', 1500, 'transferring']);
      assert.equal(jobA.performance_metrics.snapshots_recorded, 3, "both progress snapshots and the end are rolled up");
    });
  });
}
