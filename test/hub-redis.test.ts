import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { JobUpdateEvent } from '@backup-telemetry/contract';
import { requireBuilt, startHub, tempDir, type HubProcess } from './support/processes.js';

/** Two example hub processes on one database and one Redis: a viewer of A sees telemetry sent to B. */

const REDIS_URL = process.env.REDIS_URL;

describe('two example hubs behind Redis', { skip: REDIS_URL ? false : 'REDIS_URL is not set: the two-instance example hub test is skipped' }, () => {
  let a: HubProcess;
  let b: HubProcess;
  let db: ReturnType<typeof tempDir>;
  let viewer: Socket;

  before(async () => {
    requireBuilt();
    db = tempDir('bt-redis-');
    const env = { DATABASE_URL: `sqlite:${join(db.dir, 'telemetry.sqlite')}`, REDIS_URL: REDIS_URL!, TELEMETRY_SNAPSHOT_INTERVAL_SECONDS: '0', LOG_LEVEL: 'warn' };
    a = await startHub(env);
    b = await startHub(env);
  });

  after(async () => {
    viewer?.disconnect();
    assert.deepEqual(await Promise.all([a?.stop(), b?.stop()]), [0, 0], 'both hubs exit 0 on SIGTERM');
    db?.remove();
  });

  it('pushes an update ingested by one instance to a viewer connected to the other', async () => {
    const jobId = `redis-${Date.now().toString(36)}`;
    const post = (path: string, body: object) => fetch(`${b.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/backups', { id: jobId, vm_name: 'redis-vm', repository_id: 'repo-main', backup_type: 'full' })).status, 201);

    viewer = io(`${a.url}/telemetry`, { transports: ['websocket'] });
    const ack = await viewer.timeout(5000).emitWithAck('subscribe', { job_id: jobId });
    assert.equal(ack.ok, true);
    const received = new Promise<JobUpdateEvent>((resolve) => viewer.once('job:update', resolve));
    const res = await post(`/telemetry/backup/${jobId}`, { status: 'running', current_phase: 'transferring', bytes_transferred: 1024, total_bytes: 4096 });
    assert.equal(res.status, 200);
    const update = await Promise.race([received, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no job:update on the other instance within 5 s')), 5000))]);
    assert.equal(update.job.backup_id, jobId);
    assert.equal(update.job.bytes_transferred, 1024);
  });
});
