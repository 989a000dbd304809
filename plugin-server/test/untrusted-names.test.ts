import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, startHub, type TestHub } from './support/backends.js';
import { jobRequest, registerJob, send, update } from './support/factories.js';

for (const backend of backends()) {
  describe(`names with bidi controls are refused at the door (${backend.name})`, { skip: backend.skip }, () => {
    let hub: TestHub;
    before(async () => { hub = await startHub(backend); });
    after(async () => { await hub?.close(); });

    it('answers 400 naming vm_name for evil\\u202Eexe.vm and stores neither the job nor the machine', async () => {
      const res = await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'bidi-1', vm_name: 'evil\u202Eexe.vm' })).expect(400);
      assert.equal(res.body.error.field, 'vm_name');
      await hub.http.get('/api/v1/backups/bidi-1').expect(404);
      await hub.http.get(`/api/v1/machines/${encodeURIComponent('evil\u202Eexe.vm')}`).expect(404);
      const machines = (await hub.http.get('/api/v1/machines').expect(200)).body.machines as { vm_name: string }[];
      assert.ok(!machines.some((m) => m.vm_name.includes('\u202E')));
    });

    it('answers 400 naming current_phase for a phase with an isolate and leaves the job as it was', async () => {
      const id = await registerJob(hub.http, { vm_name: 'bidi-vm' });
      await send(hub.http, id, update({ current_phase: 'copying', bytes_transferred: 10 })).expect(200);
      const res = await send(hub.http, id, update({ current_phase: 'copy\u2067ing', bytes_transferred: 20 })).expect(400);
      assert.equal(res.body.error.field, 'current_phase');
      const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
      assert.deepEqual([job.current_phase, job.bytes_transferred], ['copying', 10]);
    });
  });
}
