import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { backends, servers, titleOf, uniquePrefix } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { next, request, startLiveHub, type LiveHub } from './support/live.js';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.log('# REDIS_URL is not set: the Redis scale-out suite is skipped');

// Every database server available (the production shape), otherwise one shared SQLite file.
const available = servers().filter((b) => !b.skip);
const databases = available.length > 0 ? available : [backends()[0]!];

for (const backend of databases) {
  describe(`two hub instances behind Redis on one ${titleOf(backend)}`, { skip: redisUrl ? false : 'REDIS_URL is not set' }, () => {
    const redis: Redis[] = [];
    let a: LiveHub;
    let b: LiveHub;
    const adapter = () => {
      const pub = new Redis(redisUrl!);
      const sub = pub.duplicate();
      redis.push(pub, sub);
      return createAdapter(pub, sub, { key: `bt-test-${process.pid}` });
    };

    before(async () => {
      const prefix = uniquePrefix();
      const url = backend.url();
      a = await startLiveHub({ ...backend, url: () => url }, { tablePrefix: prefix, adapter: adapter() });
      b = await startLiveHub({ ...backend, url: () => url }, { tablePrefix: prefix, adapter: adapter() });
    });
    after(async () => {
      await b?.close({ keepTables: true });
      await a?.close();
      for (const r of redis) r.disconnect();
    });

    it('shows a viewer on instance A the updates ingested through instance B', async () => {
      const id = await registerJob(b.http, { vm_name: 'scale-vm' });
      const viewer = await a.client();
      await request(viewer, 'subscribe', { job_id: id });
      const vmViewer = await a.client();
      await request(vmViewer, 'subscribe', { vm_name: 'scale-vm' });
      const seen = next(viewer, 'job:update');
      const seenByVm = next(vmViewer, 'job:update');
      await send(b.http, id, update({ bytes_transferred: 4321 })).expect(200);
      assert.equal((await seen).job.bytes_transferred, 4321);
      assert.equal((await seenByVm).job.backup_id, id);
    });

    it('delivers the completion of a job streamed over B\'s socket to A\'s viewer', async () => {
      const id = await registerJob(a.http);
      const viewer = await a.client();
      await request(viewer, 'subscribe', { job_id: id });
      const agent = await b.client();
      const done = next(viewer, 'job:completed');
      await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...update({ bytes_transferred: 10 }) });
      await request(agent, 'telemetry', { job_type: 'backup', job_id: id, status: 'completed' });
      const event = await done;
      assert.equal(event.job.status, 'completed');
      assert.ok(event.performance_metrics);
    });
  });
}
