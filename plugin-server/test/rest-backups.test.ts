import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, startHub, type TestHub } from './support/backends.js';
import { jobRequest, registerJob, send, update } from './support/factories.js';

for (const backend of backends()) {
  describe(`REST /backups and /machines on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: TestHub;
    before(async () => { hub = await startHub(backend); });
    after(async () => { await hub?.close(); });

    it('registers a job as pending with started_at set and its disks and machine', async () => {
      const res = await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'reg-1', vm_name: 'reg-vm' })).expect(201);
      assert.equal(res.body.backup_id, 'reg-1');
      assert.equal(res.body.status, 'pending');
      assert.equal(res.body.type, 'full');
      assert.equal(res.body.job_type, 'backup');
      assert.ok(res.body.started_at, 'started_at is set at creation');
      assert.equal(res.body.total_bytes, 4000);
      assert.deepEqual(res.body.disks.map((d: { disk_index: number }) => d.disk_index), [0, 1]);
      const machine = await hub.http.get('/api/v1/machines/reg-vm').expect(200);
      assert.equal(machine.body.cpu_count, 4);
      assert.equal(machine.body.os, 'Debian 12');
      assert.equal(machine.body.last_job.backup_id, 'reg-1');
    });

    it('generates an id when none is given', async () => {
      const res = await hub.http.post('/api/v1/backups').send(jobRequest({ id: undefined })).expect(201);
      assert.match(res.body.backup_id, /^[0-9a-f-]{36}$/);
    });

    it('treats a repeated registration as idempotent and a conflicting one as 409', async () => {
      await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'dup-1' })).expect(201);
      const again = await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'dup-1' })).expect(200);
      assert.equal(again.body.backup_id, 'dup-1');
      const other = await hub.http.post('/api/v1/backups').send(jobRequest({ id: 'dup-1', vm_name: 'someone-else' })).expect(409);
      assert.equal(other.body.error.code, 'job_exists');
      assert.equal(other.body.error.field, 'id');
    });

    const badRegistrations: [string, Record<string, unknown>, string][] = [
      ['missing vm_name', { vm_name: undefined }, 'vm_name'],
      ['empty vm_name', { vm_name: '  ' }, 'vm_name'],
      ['missing repository_id', { repository_id: undefined }, 'repository_id'],
      ['unknown backup_type', { backup_type: 'differential' }, 'backup_type'],
      ['unknown job_type', { job_type: 'archive' }, 'job_type'],
      ['bad id shape', { id: '../etc/passwd' }, 'id'],
      ['negative disk size', { disks: [{ disk_index: 0, total_bytes: -1 }] }, 'disks[0].total_bytes'],
      ['duplicate disk_index', { disks: [{ disk_index: 0 }, { disk_index: 0 }] }, 'disks[1].disk_index'],
      ['cpu_count as a string', { machine: { cpu_count: '4' } }, 'machine.cpu_count'],
    ];
    for (const [what, overrides, field] of badRegistrations) {
      it(`rejects a registration with ${what} (400 naming ${field}) and stores nothing`, async () => {
        const id = `bad-${field.replace(/\W/g, '')}`;
        const res = await hub.http.post('/api/v1/backups').send({ ...jobRequest({ id }), ...overrides }).expect(400);
        assert.equal(res.body.error.field, field);
        assert.equal(res.body.error.status, 400);
        if (field !== 'id') await hub.http.get(`/api/v1/backups/${id}`).expect(404);
      });
    }

    it('answers 415 for a body that is not JSON and 400 for broken JSON', async () => {
      const text = await hub.http.post('/api/v1/backups').set('Content-Type', 'text/plain').send('vm_name=x').expect(415);
      assert.equal(text.body.error.code, 'unsupported_media_type');
      const broken = await hub.http.post('/api/v1/backups').set('Content-Type', 'application/json').send('{"vm_name":').expect(400);
      assert.equal(broken.body.error.field, 'body');
    });

    it('lists jobs newest first with filters and a cursor that neither skips nor repeats', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push(await registerJob(hub.http, { id: `page-${i}`, vm_name: 'pager', repository_id: i % 2 ? 'odd' : 'even' }));
      const seen: string[] = [];
      let before: string | null = null;
      do {
        const res: { body: { backups: { backup_id: string }[]; next_before: string | null } } = await hub.http.get('/api/v1/backups').query({ vm_name: 'pager', limit: 3, ...(before ? { before } : {}) }).expect(200);
        seen.push(...res.body.backups.map((b: { backup_id: string }) => b.backup_id));
        before = res.body.next_before;
      } while (before);
      assert.deepEqual(seen, [...ids].reverse());
      const odd = await hub.http.get('/api/v1/backups').query({ vm_name: 'pager', repository_id: 'odd' }).expect(200);
      assert.deepEqual(odd.body.backups.map((b: { backup_id: string }) => b.backup_id), ['page-5', 'page-3', 'page-1']);
      const first = odd.body.backups[0];
      for (const key of ['backup_id', 'type', 'status', 'bytes_transferred', 'total_bytes', 'current_phase', 'progress_percent', 'transfer_speed_bps', 'eta_seconds', 'duration_seconds', 'error_message', 'created_at', 'started_at', 'completed_at', 'disks']) {
        assert.ok(key in first, `job carries ${key}`);
      }
    });

    it('filters by status and rejects bad query values naming the field', async () => {
      const id = await registerJob(hub.http, { vm_name: 'status-vm' });
      await send(hub.http, id, update()).expect(200);
      const running = await hub.http.get('/api/v1/backups').query({ vm_name: 'status-vm', status: 'running' }).expect(200);
      assert.deepEqual(running.body.backups.map((b: { backup_id: string }) => b.backup_id), [id]);
      const pending = await hub.http.get('/api/v1/backups').query({ vm_name: 'status-vm', status: 'pending,failed' }).expect(200);
      assert.equal(pending.body.backups.length, 0);
      for (const [key, value] of [['limit', '0'], ['limit', 'ten'], ['limit', '501'], ['status', 'bogus'], ['before', 'yesterday']]) {
        const res = await hub.http.get('/api/v1/backups').query({ [key!]: value }).expect(400);
        assert.equal(res.body.error.field, key);
      }
    });

    it('answers 404 for an unknown job and machine', async () => {
      const job = await hub.http.get('/api/v1/backups/no-such-job').expect(404);
      assert.equal(job.body.error.code, 'job_not_found');
      const machine = await hub.http.get('/api/v1/machines/no-such-vm').expect(404);
      assert.equal(machine.body.error.code, 'machine_not_found');
    });

    it('computes stats: counts by status, success rate, average size and duration, last backup', async () => {
      const vm = 'stats-vm';
      const done = await registerJob(hub.http, { vm_name: vm });
      await send(hub.http, done, update({ disks: [{ disk_index: 0, bytes_transferred: 1000 }, { disk_index: 1, bytes_transferred: 3000 }] })).expect(200);
      await send(hub.http, done, { status: 'completed' }).expect(200);
      const failed = await registerJob(hub.http, { vm_name: vm });
      await send(hub.http, failed, { status: 'failed', error: 'disk full' }).expect(200);
      const done2 = await registerJob(hub.http, { vm_name: vm, disks: [] });
      await send(hub.http, done2, { status: 'completed', bytes_transferred: 2000 }).expect(200);
      await registerJob(hub.http, { vm_name: vm });
      const stats = await hub.http.get('/api/v1/backups/stats').query({ vm_name: vm }).expect(200);
      assert.equal(stats.body.total, 4);
      assert.deepEqual(stats.body.by_status, { pending: 1, running: 0, completed: 2, failed: 1, cancelled: 0 });
      assert.equal(stats.body.success_rate_percent, 66.7);
      assert.equal(stats.body.avg_size_bytes, 3000);
      assert.equal(typeof stats.body.avg_duration_seconds, 'number');
      assert.ok(stats.body.last_backup_at);
      const empty = await hub.http.get('/api/v1/backups/stats').query({ vm_name: 'nobody' }).expect(200);
      assert.equal(empty.body.total, 0);
      assert.equal(empty.body.success_rate_percent, null);
    });

    it('lists machines with their newest job', async () => {
      await registerJob(hub.http, { vm_name: 'm-list', id: 'm-old' });
      await registerJob(hub.http, { vm_name: 'm-list', id: 'm-new', machine: { os: 'Windows Server 2022' } });
      const res = await hub.http.get('/api/v1/machines').expect(200);
      const m = res.body.machines.find((x: { vm_name: string }) => x.vm_name === 'm-list');
      assert.equal(m.last_job.backup_id, 'm-new');
      assert.equal(m.os, 'Windows Server 2022');
      assert.equal(m.cpu_count, 4, 'facts not given again are kept');
    });
  });
}
