import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chartPoints } from '../src/index.js';
import { startOf } from '../src/store/rows.js';
import { backends } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { request, startLiveHub, type LiveHub } from './support/live.js';

for (const backend of backends()) {
  describe(`viewers of a running job on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: LiveHub;
    before(async () => { hub = await startLiveHub(backend, { readRateLimitPerSourcePerMinute: 40 }); });
    after(async () => { await hub?.close(); });

    /** The SQL statements the hub sends while `work` runs that touch the snapshots table. */
    async function snapshotReads(work: () => Promise<unknown>): Promise<string[]> {
      const seen: string[] = [];
      const { knex, tables } = hub.plugin.store;
      const onQuery = (q: { sql: string }) => { if (q.sql.includes(tables.snapshots)) seen.push(q.sql); };
      knex.on('query', onQuery);
      try {
        await work();
      } finally {
        knex.off('query', onQuery);
      }
      return seen;
    }

    async function fullChart(id: string) {
      const { store } = hub.plugin;
      const { job } = (await store.jobs.findJob(store.knex, id))!;
      return chartPoints(await store.snapshots.ofJob(store.knex, id), startOf(job), 200);
    }

    it('serves the chart of a job whose snapshots this hub stored from its rollup, without reading the snapshots', async () => {
      const id = await registerJob(hub.http);
      for (let i = 1; i <= 300; i++) {
        await send(hub.http, id, update({ bytes_transferred: i * 10, transfer_speed_bps: (50 + (i % 17)) * 1_048_576, current_phase: i < 20 ? 'snapshot' : 'transferring' })).expect(200);
      }
      const viewer = await hub.client();
      let history: { chart_data: unknown[] } | undefined;
      let ack: { ok: boolean; chart_data: unknown[] } | undefined;
      const reads = await snapshotReads(async () => {
        history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
        ack = await request(viewer, 'subscribe', { job_id: id });
      });
      assert.deepEqual(reads, [], 'no query touched the snapshots table');
      const expected = await fullChart(id);
      assert.ok(expected.length > 100 && expected.length <= 200);
      assert.deepEqual(history!.chart_data, expected, 'the same chart as a full read');
      assert.equal(ack!.ok, true);
      assert.deepEqual(ack!.chart_data, expected);
    });

    it('reads the snapshots of a job this hub does not keep once for viewers asking together', async () => {
      const id = await registerJob(hub.http);
      for (let i = 1; i <= 5; i++) await send(hub.http, id, update({ bytes_transferred: i * 10 })).expect(200);
      hub.plugin.ingest.rollups.forget(id); // as after a restart, or when another instance stored them
      const viewers = await Promise.all([hub.client(), hub.client(), hub.client()]);
      let acks: { chart_data: unknown[] }[] = [];
      const reads = await snapshotReads(async () => {
        acks = await Promise.all(viewers.map((v) => request(v, 'subscribe', { job_id: id })));
      });
      assert.equal(reads.length, 1, `one read for three viewers: ${reads.length}`);
      const expected = await fullChart(id);
      for (const a of acks) assert.deepEqual(a.chart_data, expected);
    });

    it('answers a viewer over the read limit with 429 and Retry-After, over REST and socket', async () => {
      const id = await registerJob(hub.http);
      const viewer = await hub.client();
      let status = 200;
      let res;
      for (let i = 0; i < 60 && status === 200; i++) {
        res = await hub.http.get(`/api/v1/telemetry/history/${id}`);
        status = res.status;
      }
      assert.equal(status, 429);
      assert.ok(Number(res!.headers['retry-after']) >= 1);
      assert.equal(res!.body.error.code, 'rate_limited');
      const ack = await request(viewer, 'subscribe', { job_id: id });
      assert.equal(ack.ok, false);
      assert.equal(ack.error.status, 429);
      assert.equal(ack.error.code, 'rate_limited');
      await send(hub.http, id, update()).expect(200); // writes keep their own limits
    });
  });
}
