import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, startHub, type TestHub } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';

for (const backend of backends()) {
  describe(`REST /telemetry on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: TestHub;
    before(async () => { hub = await startHub(backend); });
    after(async () => { await hub?.close(); });

    const job = async (id: string) => (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;

    it('applies an update to the job and its disks and answers the seeds response', async () => {
      const id = await registerJob(hub.http);
      const res = await send(hub.http, id, update({
        current_phase: 'transferring', eta_seconds: 120, transfer_speed_bps: 1_048_576,
        disks: [{ disk_index: 0, bytes_transferred: 500, total_bytes: 1000, status: 'running' }, { disk_index: 1, bytes_transferred: 300 }],
        bytes_transferred: undefined, total_bytes: undefined,
      })).expect(200);
      assert.equal(res.body.status, 'success');
      assert.equal(res.body.applied, true);
      assert.ok(Date.parse(res.body.timestamp));
      const after = await job(id);
      assert.equal(after.status, 'running');
      assert.equal(after.current_phase, 'transferring');
      assert.equal(after.bytes_transferred, 800, 'bytes are summed from the disks when not given');
      assert.equal(after.total_bytes, 4000);
      assert.equal(after.progress_percent, 20);
      assert.equal(after.eta_seconds, 120);
      assert.deepEqual(after.disks.map((d: { bytes_transferred: number; progress_percent: number }) => [d.bytes_transferred, d.progress_percent]), [[500, 50], [300, 10]]);
      assert.ok(after.last_telemetry_at);
    });

    it("applies the design documents' payload, whose disks are transferring and pending, and reads it back", async () => {
      const id = await registerJob(hub.http);
      const payload = {
        job_id: id, job_type: 'backup', status: 'running', current_phase: 'transferring',
        bytes_transferred: 45678901234, total_bytes: 109521739776, transfer_speed_bps: 125000000, eta_seconds: 512, progress_percent: 42.5,
        disks: [
          { disk_index: 0, bytes_transferred: 42949672960, total_bytes: 102000000000, status: 'transferring', progress_percent: 42.1 },
          { disk_index: 1, bytes_transferred: 2729228274, total_bytes: 7521739776, status: 'pending', progress_percent: 0.0 },
        ],
        error: null, timestamp: new Date().toISOString(),
      };
      const res = await send(hub.http, id, payload).expect(200);
      assert.equal(res.body.applied, true);
      const after = await job(id);
      assert.deepEqual(after.disks.map((d: { status: string }) => d.status), ['transferring', 'pending']);
      assert.equal(after.disks[0].bytes_transferred, 42949672960);
      assert.equal(after.bytes_transferred, 45678901234);
    });

    it('stores an unknown but well-formed disk status as sent, and ends a disk still at work with its job', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, update({ disks: [{ disk_index: 0, status: 'deduplicating' }, { disk_index: 1, status: 'verifying' }] })).expect(200);
      assert.deepEqual((await job(id)).disks.map((d: { status: string }) => d.status), ['deduplicating', 'verifying']);
      await send(hub.http, id, update({ status: 'completed' })).expect(200);
      assert.deepEqual((await job(id)).disks.map((d: { status: string }) => d.status), ['deduplicating', 'completed']);
    });

    it('accepts body job_id and job_type that agree with the route, and an ISO or epoch timestamp', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, update({ job_id: id, job_type: 'backup', timestamp: new Date().toISOString() })).expect(200);
      await send(hub.http, id, update({ timestamp: Date.now() + 1000 })).expect(200);
    });

    const badUpdates: [string, Record<string, unknown>, string][] = [
      ['negative bytes', { bytes_transferred: -1 }, 'bytes_transferred'],
      ['percent above 100', { progress_percent: 100.5 }, 'progress_percent'],
      ['percent below 0', { progress_percent: -3 }, 'progress_percent'],
      ['unknown status', { status: 'exploded' }, 'status'],
      ['duplicate disk_index', { disks: [{ disk_index: 1 }, { disk_index: 1 }] }, 'disks[1].disk_index'],
      ['disk percent out of range', { disks: [{ disk_index: 0, progress_percent: 101 }] }, 'disks[0].progress_percent'],
      ['malformed timestamp', { timestamp: '10/10/2026 14:28' }, 'timestamp'],
      ['timestamp far in the future', { timestamp: Date.now() + 3600_000 }, 'timestamp'],
      ['a string where a number belongs', { bytes_transferred: '100' }, 'bytes_transferred'],
      ['fractional bytes', { total_bytes: 10.5 }, 'total_bytes'],
      ['a number beyond 2^53', { total_bytes: 2 ** 60 }, 'total_bytes'],
      ['an error that is not text', { error: { message: 'x' } }, 'error'],
      ['a body job_id for another job', { job_id: 'someone-else' }, 'job_id'],
      ['a disk status with markup', { disks: [{ disk_index: 0, status: '<img src=x>' }] }, 'disks[0].status'],
      ['a disk status over 16 characters', { disks: [{ disk_index: 0, status: 'x'.repeat(17) }] }, 'disks[0].status'],
      ['a disk status that is not text', { disks: [{ disk_index: 0, status: 3 }] }, 'disks[0].status'],
      ['disks that are not a list', { disks: { disk_index: 0 } }, 'disks'],
    ];
    for (const [what, body, field] of badUpdates) {
      it(`rejects ${what} with 400 naming ${field} and changes nothing`, async () => {
        const id = await registerJob(hub.http);
        await send(hub.http, id, update({ bytes_transferred: 100 })).expect(200);
        const beforeState = await job(id);
        const res = await send(hub.http, id, { ...update({ bytes_transferred: 999 }), ...body }).expect(400);
        assert.equal(res.body.error.field, field);
        assert.equal(res.body.error.code, 'invalid_field');
        assert.match(res.body.error.message, new RegExp(field.replace(/[[\]]/g, '\\$&')));
        const afterState = await job(id);
        assert.deepEqual({ ...afterState, duration_seconds: 0 }, { ...beforeState, duration_seconds: 0 });
      });
    }

    it('rejects an unknown job type in the path with 400 and a body that is not an object', async () => {
      const id = await registerJob(hub.http);
      const res = await send(hub.http, id, update(), 'archive').expect(400);
      assert.equal(res.body.error.field, 'job_type');
      const arr = await hub.http.post(`/api/v1/telemetry/backup/${id}`).set('Content-Type', 'application/json').send('[1,2]').expect(400);
      assert.equal(arr.body.error.field, 'body');
    });

    it('answers 404 for an unknown job, or a job of another type', async () => {
      const res = await send(hub.http, 'never-registered', update()).expect(404);
      assert.equal(res.body.error.code, 'job_not_found');
      const id = await registerJob(hub.http);
      await send(hub.http, id, update(), 'restore').expect(404);
    });

    it('answers 409 for an update to an ended job, and 200 not-applied for a repeat of its end', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, update()).expect(200);
      await send(hub.http, id, { status: 'completed' }).expect(200);
      const late = await send(hub.http, id, update({ bytes_transferred: 5 })).expect(409);
      assert.equal(late.body.error.code, 'job_ended');
      const repeat = await send(hub.http, id, { status: 'completed' }).expect(200);
      assert.equal(repeat.body.applied, false);
      await send(hub.http, id, { status: 'failed', error: 'late' }).expect(409);
      assert.equal((await job(id)).status, 'completed');
    });

    it('never lets an older update overwrite newer state, and a repeated update is harmless', async () => {
      const id = await registerJob(hub.http);
      const t0 = Date.now();
      await send(hub.http, id, update({ bytes_transferred: 2000, current_phase: 'transferring', timestamp: t0 })).expect(200);
      const older = await send(hub.http, id, update({ bytes_transferred: 1000, current_phase: 'snapshot', timestamp: t0 - 5000 })).expect(200);
      assert.equal(older.body.applied, false);
      const repeat = await send(hub.http, id, update({ bytes_transferred: 2000, current_phase: 'transferring', timestamp: t0 })).expect(200);
      assert.equal(repeat.body.applied, false);
      const state = await job(id);
      assert.equal(state.bytes_transferred, 2000);
      assert.equal(state.current_phase, 'transferring');
      const history = await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200);
      assert.equal(history.body.chart_data.length, 1, 'neither the older nor the repeated update stored a snapshot');
    });

    it('records the error text of a failed job and a default when the client gave none', async () => {
      const a = await registerJob(hub.http);
      await send(hub.http, a, { status: 'failed', error: 'VSS snapshot failed: 0x8004230F' }).expect(200);
      assert.equal((await job(a)).error_message, 'VSS snapshot failed: 0x8004230F');
      const b = await registerJob(hub.http);
      await send(hub.http, b, { status: 'failed' }).expect(200);
      assert.match((await job(b)).error_message, /without an error message/);
    });

    it('keeps untrusted text verbatim as data (no escaping or execution on the way in)', async () => {
      const vm = '<img src=x onerror=alert(1)>';
      const id = await registerJob(hub.http, { vm_name: vm });
      await send(hub.http, id, update({ current_phase: '<b>phase</b>' })).expect(200);
      const res = await hub.http.get(`/api/v1/backups/${id}`).expect(200);
      assert.equal(res.headers['content-type']?.split(';')[0], 'application/json');
      assert.equal(res.body.vm_name, vm);
      assert.equal(res.body.current_phase, '<b>phase</b>');
    });

    it('serves history: none while pending, live snapshots while running, 404 when unknown', async () => {
      const id = await registerJob(hub.http);
      const pending = await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200);
      assert.equal(pending.body.data_source, 'none');
      await send(hub.http, id, update({ current_phase: 'snapshot', transfer_speed_bps: 0, bytes_transferred: 0 })).expect(200);
      await send(hub.http, id, update({ current_phase: 'transferring', transfer_speed_bps: 2 * 1_048_576, bytes_transferred: 1000 })).expect(200);
      const live = await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200);
      assert.equal(live.body.data_source, 'live_snapshots');
      assert.equal(live.body.current_state.bytes_transferred, 1000);
      assert.equal(live.body.chart_data.length, 2);
      assert.deepEqual(live.body.chart_data.map((p: { phase?: string }) => p.phase), ['snapshot', 'transferring']);
      assert.equal(live.body.chart_data[1].s, 2 * 1_048_576, 's in bytes per second');
      await hub.http.get('/api/v1/telemetry/history/unknown-job').expect(404);
    });
  });
}
