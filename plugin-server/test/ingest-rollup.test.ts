import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, startHub, type TestHub } from './support/backends.js';
import { registerJob, send } from './support/factories.js';

const MIB = 1_048_576;

for (const backend of backends()) {
  describe(`ingest and rollup on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: TestHub;
    let clock = Date.now();
    before(async () => { hub = await startHub(backend, { now: () => clock, snapshotIntervalSeconds: 5 }); });
    after(async () => { await hub?.close(); });

    const snapshotCount = async (id: string) => {
      const row = await hub.plugin.knex(hub.plugin.store.tables.snapshots).where('job_id', id).count({ n: '*' }).first();
      return Number(row?.n);
    };

    it('rolls many updates up when the job completes: chart kept, snapshots deleted, sizes from disks, duration from started_at', async () => {
      const start = clock;
      const id = await registerJob(hub.http, { disks: [{ disk_index: 0, total_bytes: 600 * MIB }, { disk_index: 1, total_bytes: 600 * MIB }] });
      let d0 = 0, d1 = 0;
      for (let i = 1; i <= 120; i++) {
        clock = start + i * 1000;
        d0 = Math.min(600 * MIB, d0 + 5 * MIB);
        d1 = Math.min(600 * MIB, d1 + 5 * MIB);
        await send(hub.http, id, {
          status: 'running',
          current_phase: i < 10 ? 'snapshot' : 'transferring',
          transfer_speed_bps: (i === 60 ? 25 : 10) * MIB,
          // A client that misreports the job total: the hub trusts the disks when the job ends.
          bytes_transferred: d0,
          disks: [{ disk_index: 0, bytes_transferred: d0 }, { disk_index: 1, bytes_transferred: d1 }],
          timestamp: clock,
        }).expect(200);
      }
      assert.equal(await snapshotCount(id), 120 / 5 + 1, 'one snapshot every 5 s plus the phase change');
      clock = start + 125_000;
      await send(hub.http, id, { status: 'completed', current_phase: 'finalizing', timestamp: clock }).expect(200);

      const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
      assert.equal(job.status, 'completed');
      assert.equal(job.bytes_transferred, d0 + d1, 'bytes are the sum over the disks');
      assert.equal(job.duration_seconds, 125);
      assert.equal(job.completed_at, new Date(clock).toISOString());
      assert.equal(job.progress_percent, 100);
      assert.deepEqual(job.disks.map((d: { status: string }) => d.status), ['completed', 'completed']);
      assert.equal(await snapshotCount(id), 0, 'raw snapshots are deleted');

      const history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
      assert.equal(history.data_source, 'rolled_up');
      const m = history.performance_metrics;
      assert.equal(m.duration_seconds, 125);
      assert.equal(m.peak_speed_mbps, 25);
      assert.equal(m.snapshots_recorded, 120 / 5 + 2);
      assert.ok(m.chart_data.length > 20 && m.chart_data.length <= 200);
      assert.ok(m.avg_speed_mbps > 9 && m.avg_speed_mbps < 11, `average ${m.avg_speed_mbps} MiB/s is bytes over moving time`);
      assert.deepEqual(m.phases.map((p: { phase: string }) => p.phase), ['snapshot', 'transferring', 'finalizing']);
    });

    it('rolls up a failed and a cancelled job the same way', async () => {
      for (const status of ['failed', 'cancelled'] as const) {
        const id = await registerJob(hub.http);
        clock += 1000;
        await send(hub.http, id, { status: 'running', bytes_transferred: 10, transfer_speed_bps: MIB }).expect(200);
        clock += 1000;
        await send(hub.http, id, { status, error: status === 'failed' ? 'repository offline' : undefined }).expect(200);
        const history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
        assert.equal(history.data_source, 'rolled_up');
        assert.equal(history.status, status);
        assert.equal(await snapshotCount(id), 0);
      }
    });

    it('falls back to created_at for the duration of a legacy job with no started_at, never to 0', async () => {
      const id = await registerJob(hub.http);
      await hub.plugin.knex(hub.plugin.store.tables.jobs).where({ id }).update({ started_at: null, created_at: clock - 90_000 });
      const running = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
      assert.equal(running.started_at, null);
      assert.equal(running.duration_seconds, 90);
      await send(hub.http, id, { status: 'completed', bytes_transferred: 100 }).expect(200);
      const ended = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
      assert.equal(ended.duration_seconds, 90);
      assert.equal(ended.performance_metrics.duration_seconds, 90);
    });

    it('commits concurrent updates of many jobs with none lost', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => registerJob(hub.http)));
      await Promise.all(ids.flatMap((id) => Array.from({ length: 10 }, (_, i) =>
        send(hub.http, id, { status: 'running', bytes_transferred: (i + 1) * 100, timestamp: clock - 10_000 + i }).expect(200))));
      const list = (await hub.http.get('/api/v1/backups').query({ limit: 500 }).expect(200)).body.backups;
      for (const id of ids) assert.equal(list.find((b: { backup_id: string }) => b.backup_id === id).bytes_transferred, 1000, `${id} holds its newest update`);
    });
  });
}

for (const backend of backends()) {
  describe(`chart time on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: TestHub;
    let clock = Date.now();
    before(async () => { hub = await startHub(backend, { now: () => clock, snapshotIntervalSeconds: 5 }); });
    after(async () => { await hub?.close(); });

    it('keeps milestones that arrive late after an outage at the time they were measured', async () => {
      const start = clock;
      const id = await registerJob(hub.http, { disks: [] });
      clock = start + 1000;
      await send(hub.http, id, { status: 'running', bytes_transferred: 0, timestamp: clock }).expect(200);
      // The hub is unreachable for a minute; the client queues one update every 10 s...
      const queued = [1, 2, 3, 4, 5].map((i) => ({ status: 'running', bytes_transferred: i * 100, progress_percent: i * 10, timestamp: start + 1000 + i * 10_000 }));
      // ...and delivers them all within the same second when the hub is back.
      clock = start + 70_000;
      for (const body of queued) await send(hub.http, id, body).expect(200);
      const live = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
      assert.deepEqual(live.chart_data.map((p: { t: number }) => p.t), [1, 11, 21, 31, 41, 51]);
      clock = start + 71_000;
      await send(hub.http, id, { status: 'completed', bytes_transferred: 600, timestamp: start + 56_000 }).expect(200);
      const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
      assert.equal(job.duration_seconds, 56, 'a late end keeps its own time, not the time it arrived');
      assert.equal(job.bytes_transferred, 600, 'a job whose disks never reported keeps the bytes its client sent');
    });

    it('places the points of a client whose clock runs two minutes slow on the hub clock', async () => {
      const start = clock;
      const skew = -120_000;
      const id = await registerJob(hub.http);
      for (let i = 1; i <= 4; i++) {
        clock = start + i * 5000;
        await send(hub.http, id, { status: 'running', bytes_transferred: i * 100, timestamp: clock + skew }).expect(200);
      }
      const live = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
      assert.deepEqual(live.chart_data.map((p: { t: number }) => p.t), [5, 10, 15, 20]);
    });
  });
}

for (const backend of backends()) {
  describe(`backdated jobs on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: TestHub;
    before(async () => { hub = await startHub(backend, { now: Date.now, staleWarnAfterSeconds: 60, staleFailAfterSeconds: 300 }); });
    after(async () => { await hub?.close(); });

    it('keeps a job registered after the fact on its own timeline, and does not call it stale at once', async () => {
      const started = Date.now() - 2 * 24 * 3600_000;
      const res = await hub.http.post('/api/v1/backups').send({ id: 'imported-1', vm_name: 'import-vm', repository_id: 'r', backup_type: 'full', started_at: new Date(started).toISOString() }).expect(201);
      assert.equal(res.body.started_at, new Date(started).toISOString());
      assert.deepEqual((await hub.plugin.stale.checkOnce()).failed, [], 'silence counts from registration, on the hub clock');
      for (let i = 1; i <= 3; i++) await send(hub.http, 'imported-1', { status: 'running', bytes_transferred: i * 100, current_phase: 'transferring', timestamp: started + i * 60_000 }).expect(200);
      await send(hub.http, 'imported-1', { status: 'completed', timestamp: started + 240_000 }).expect(200);
      const job = (await hub.http.get('/api/v1/backups/imported-1').expect(200)).body;
      assert.equal(job.duration_seconds, 240);
      assert.equal(job.completed_at, new Date(started + 240_000).toISOString());
      assert.deepEqual(job.performance_metrics.chart_data.map((p: { t: number }) => p.t), [60, 120, 180, 240]);
      const stats = (await hub.http.get('/api/v1/backups/stats').query({ vm_name: 'import-vm' }).expect(200)).body;
      assert.equal(stats.last_backup_at, new Date(started).toISOString());
    });

    it('rejects a start time in the future or older than 7 days, naming started_at', async () => {
      for (const started_at of [Date.now() + 3600_000, Date.now() - 8 * 24 * 3600_000, 'yesterday']) {
        const res = await hub.http.post('/api/v1/backups').send({ vm_name: 'v', repository_id: 'r', backup_type: 'full', started_at }).expect(400);
        assert.equal(res.body.error.field, 'started_at');
      }
    });
  });
}
