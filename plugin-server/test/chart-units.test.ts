import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, startHub, type TestHub } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';

const MIB = 1_048_576;

for (const backend of backends()) {
  describe(`chart points in bytes per second on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: TestHub;
    before(async () => { hub = await startHub(backend); });
    after(async () => { await hub?.close(); });

    const metricsOf = async (id: string) => (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body.performance_metrics;

    it('rolls a job up with s in whole bytes per second and its phase on every point', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, update({ current_phase: 'snapshot', transfer_speed_bps: 0 })).expect(200);
      await send(hub.http, id, update({ current_phase: 'transferring', transfer_speed_bps: 336_392_246, bytes_transferred: 2000 })).expect(200);
      await send(hub.http, id, update({ transfer_speed_bps: 320_000_000, bytes_transferred: 3000 })).expect(200);
      await send(hub.http, id, update({ status: 'completed', transfer_speed_bps: 320_000_000, bytes_transferred: 3000 })).expect(200);
      const m = await metricsOf(id);
      assert.deepEqual(m.chart_data.map((p: { s: number; phase: string }) => [p.s, p.phase]), [
        [0, 'snapshot'], [336_392_246, 'transferring'], [320_000_000, 'transferring'], [320_000_000, 'transferring'],
      ]);
      assert.equal(m.peak_speed_mbps, 320.81, 'the *_mbps figures stay MiB/s');
      const history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
      assert.deepEqual(history.performance_metrics, m);
    });

    it('reads a job rolled up before the upgrade (MiB/s, phase only where it changed) in bytes per second', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, update({ status: 'completed' })).expect(200);
      const { knex, tables } = hub.plugin.store;
      const legacy = {
        ...(await metricsOf(id)),
        chart_data: [{ t: 0, s: 286.1, p: 0, phase: 'snapshot' }, { t: 30, s: 320.81, p: 50, phase: 'transferring' }, { t: 62, s: 305.18, p: 100 }],
      };
      await knex(tables.jobs).where('id', id).update({ performance_metrics: JSON.stringify(legacy) });
      const expected = [
        { t: 0, s: Math.round(286.1 * MIB), p: 0, phase: 'snapshot' },
        { t: 30, s: Math.round(320.81 * MIB), p: 50, phase: 'transferring' },
        { t: 62, s: Math.round(305.18 * MIB), p: 100, phase: 'transferring' },
      ];
      assert.deepEqual((await metricsOf(id)).chart_data, expected);
      const history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
      assert.deepEqual(history.performance_metrics.chart_data, expected);
      assert.equal(history.performance_metrics.chart_unit, undefined, 'the storage mark stays in storage');
      const listed = (await hub.http.get('/api/v1/backups').query({ vm_name: 'web-01', limit: 500 }).expect(200)).body.backups;
      assert.ok(listed.some((j: { backup_id: string }) => j.backup_id === id));
    });

    it("answers a job with nothing to draw with the documents' message", async () => {
      const id = await registerJob(hub.http);
      const history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
      assert.equal(history.data_source, 'none');
      assert.equal(history.message, 'No telemetry data available for this job');
    });

    it('gives a running job\'s live chart in bytes per second with every phase', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, update({ current_phase: 'snapshot', transfer_speed_bps: 5 * MIB })).expect(200);
      await send(hub.http, id, update({ current_phase: undefined, transfer_speed_bps: 7 * MIB })).expect(200);
      const history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
      assert.deepEqual(history.chart_data.map((p: { s: number; phase: string }) => [p.s, p.phase]), [[5 * MIB, 'snapshot'], [7 * MIB, 'snapshot']]);
    });
  });
}
