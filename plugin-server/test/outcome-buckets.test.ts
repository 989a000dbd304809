import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OUTCOME_BUCKET_MS } from '../src/store/migrations/008_protection.js';
import type { Store } from '../src/store/index.js';
import { backends } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { request, startLiveHub } from './support/live.js';

const T0 = Date.UTC(2026, 11, 1, 2, 3, 0);
const MINUTE = 60_000;

type Bucket = { bucket_start: number; job_type: string; status: string; job_count: number; bytes_sum: number };

async function storedBuckets(store: Store): Promise<Bucket[]> {
  const rows = await store.knex(store.tables.outcomeBuckets).orderBy(['bucket_start', 'job_type', 'status']);
  return rows.map((r: Record<string, unknown>) => ({
    bucket_start: Number(r.bucket_start), job_type: String(r.job_type), status: String(r.status), job_count: Number(r.job_count), bytes_sum: Number(r.bytes_sum),
  }));
}

/** The buckets as a GROUP BY over the ended jobs gives them: what the per-batch upserts must keep. */
async function bucketsFromJobs(store: Store): Promise<Bucket[]> {
  const { knex, tables } = store;
  const rows = await knex(tables.jobs)
    .select(knex.raw('FLOOR(completed_at / ?) * ? AS bucket_start', [OUTCOME_BUCKET_MS, OUTCOME_BUCKET_MS]), 'job_type', 'status')
    .count({ job_count: '*' }).sum({ bytes_sum: 'bytes_transferred' })
    .whereIn('status', ['completed', 'failed', 'cancelled'])
    .groupBy('bucket_start', 'job_type', 'status').orderBy(['bucket_start', 'job_type', 'status']);
  return rows.map((r: Record<string, unknown>) => ({
    bucket_start: Number(r.bucket_start), job_type: String(r.job_type), status: String(r.status), job_count: Number(r.job_count), bytes_sum: Number(r.bytes_sum),
  }));
}

for (const backend of backends()) {
  describe(`job outcome buckets on ${backend.name}`, { skip: backend.skip }, () => {
    it('count every end where it is written: HTTP and socket ends, cancels and stale failures', async () => {
      let clock = T0;
      const hub = await startLiveHub(backend, { now: () => clock, staleWarnAfterSeconds: 60, staleFailAfterSeconds: 300 });
      try {
        const agent = await hub.client();
        const viaHttp = async (status: string, bytes: number, job_type?: 'backup' | 'restore') => {
          const id = await registerJob(hub.http, { vm_name: 'bucket-vm', ...(job_type ? { job_type } : {}) });
          await send(hub.http, id, update({ status: status as 'running', bytes_transferred: bytes, ...(status === 'failed' ? { error: 'NBD connection reset by peer' } : {}) }), job_type).expect(200);
        };
        const viaSocket = async (status: string, bytes: number) => {
          const id = await registerJob(hub.http, { vm_name: 'bucket-vm' });
          const ack = await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...update({ status: status as 'running', bytes_transferred: bytes }) });
          assert.equal(ack.ok, true, JSON.stringify(ack));
        };
        await viaHttp('completed', 1000);
        await viaSocket('completed', 2000);
        await viaHttp('cancelled', 30);
        clock += 10 * MINUTE; // the next bucket
        await viaHttp('failed', 400);
        await viaSocket('cancelled', 50);
        await viaHttp('completed', 7, 'restore');
        const stalled = await registerJob(hub.http, { vm_name: 'bucket-vm' });
        await send(hub.http, stalled, update({ bytes_transferred: 600 })).expect(200);
        clock += 10 * MINUTE;
        assert.deepEqual((await hub.plugin.stale.checkOnce()).failed, [stalled]);

        const first = Math.floor(T0 / OUTCOME_BUCKET_MS) * OUTCOME_BUCKET_MS;
        const stored = await storedBuckets(hub.plugin.store);
        assert.deepEqual(stored, [
          { bucket_start: first, job_type: 'backup', status: 'cancelled', job_count: 1, bytes_sum: 30 },
          { bucket_start: first, job_type: 'backup', status: 'completed', job_count: 2, bytes_sum: 3000 },
          { bucket_start: first + OUTCOME_BUCKET_MS, job_type: 'backup', status: 'cancelled', job_count: 1, bytes_sum: 50 },
          { bucket_start: first + OUTCOME_BUCKET_MS, job_type: 'backup', status: 'failed', job_count: 1, bytes_sum: 400 },
          { bucket_start: first + OUTCOME_BUCKET_MS, job_type: 'restore', status: 'completed', job_count: 1, bytes_sum: 7 },
          { bucket_start: first + 2 * OUTCOME_BUCKET_MS, job_type: 'backup', status: 'failed', job_count: 1, bytes_sum: 600 },
        ]);
        assert.deepEqual(stored, await bucketsFromJobs(hub.plugin.store));
      } finally {
        await hub.close();
      }
    });

    it('stay exact when many ends of one bucket commit at once', async () => {
      const hub = await startLiveHub(backend, { now: () => T0 });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) ids.push(await registerJob(hub.http, { vm_name: `burst-${i % 4}` }));
        await Promise.all(ids.map((id, i) => hub.plugin.ingest.submit('backup', id, update({ status: (['completed', 'failed', 'cancelled'] as const)[i % 3], bytes_transferred: 100 + i }))));
        const stored = await storedBuckets(hub.plugin.store);
        assert.equal(stored.reduce((n, b) => n + b.job_count, 0), 30);
        assert.deepEqual(stored, await bucketsFromJobs(hub.plugin.store));
      } finally {
        await hub.close();
      }
    });
  });
}
