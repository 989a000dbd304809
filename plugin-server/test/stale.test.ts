import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knexFromUrl } from '../src/index.js';
import { stalledMessage } from '../src/stale/detector.js';
import { backends, uniquePrefix } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { collect, next, request, sleep, startLiveHub } from './support/live.js';

const STALLED = /^Job stalled - no telemetry for \d+s \(backup client may have crashed\)$/;

describe('stall message', () => {
  it('states the real silence', () => {
    assert.equal(stalledMessage(312_000), 'Job stalled - no telemetry for 5m12s (backup client may have crashed)');
    assert.equal(stalledMessage(3_725_000), 'Job stalled - no telemetry for 1h2m5s (backup client may have crashed)');
  });
});

for (const backend of backends()) {
  describe(`stale detection on ${backend.name}`, { skip: backend.skip }, () => {
    it('warns once after the warn threshold, then fails the job with the stall message and rolls it up', async () => {
      const hub = await startLiveHub(backend, { staleDetection: true, staleCheckCron: '* * * * * *', staleWarnAfterSeconds: 1, staleFailAfterSeconds: 3, now: Date.now });
      try {
        const id = await registerJob(hub.http);
        const viewer = await hub.client();
        await request(viewer, 'subscribe', { job_id: id });
        const warnings = collect(viewer, 'job:stale');
        await send(hub.http, id, update({ bytes_transferred: 500, disks: [{ disk_index: 0, bytes_transferred: 200 }, { disk_index: 1, bytes_transferred: 300 }] })).expect(200);
        const warned = await next(viewer, 'job:stale', () => true, 6000);
        assert.equal(warned.job.backup_id, id);
        assert.ok(warned.silent_seconds >= 1);
        const failed = await next(viewer, 'job:failed', () => true, 8000);
        assert.equal(warnings.length, 1, 'one warning per silence');
        assert.match(failed.job.error_message, STALLED);
        const silent = Number(/for (\d+)s/.exec(failed.job.error_message)![1]);
        assert.ok(silent >= 3 && silent <= 6, `silence of ${silent}s is the real one`);
        assert.ok(failed.performance_metrics.chart_data.length >= 1);
        const history = (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
        assert.equal(history.data_source, 'rolled_up');
        const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
        assert.equal(job.status, 'failed');
        assert.equal(job.bytes_transferred, 500);
        const late = await send(hub.http, id, update()).expect(409);
        assert.equal(late.body.error.code, 'job_ended');
      } finally {
        await hub.close();
      }
    });

    it('counts a job that never sent telemetry from its started_at, and spares a job that keeps talking', async () => {
      const hub = await startLiveHub(backend, { staleWarnAfterSeconds: 1, staleFailAfterSeconds: 2, now: Date.now });
      try {
        const quiet = await registerJob(hub.http);
        const chatty = await registerJob(hub.http);
        for (let i = 0; i < 5; i++) {
          await send(hub.http, chatty, update({ bytes_transferred: i })).expect(200);
          await sleep(500);
        }
        const result = await hub.plugin.stale.checkOnce();
        assert.deepEqual(result.failed, [quiet]);
        assert.equal((await hub.http.get(`/api/v1/backups/${chatty}`).expect(200)).body.status, 'running');
      } finally {
        await hub.close();
      }
    });

    it('fails a stale job exactly once when two hub instances check at the same moment', async () => {
      const prefix = uniquePrefix();
      const url = backend.url();
      // MariaDB: two pools, as two hub processes would have. SQLite: better-sqlite3 is synchronous, so two
      // instances in one process share the host's knex (two processes would each open the file).
      const shared = backend.name === 'sqlite' ? knexFromUrl(url) : undefined;
      const options = { tablePrefix: prefix, staleWarnAfterSeconds: 1, staleFailAfterSeconds: 2, now: Date.now, knex: shared };
      const a = await startLiveHub({ ...backend, url: () => url }, options);
      const b = await startLiveHub({ ...backend, url: () => url }, options);
      try {
        const ids = [await registerJob(a.http), await registerJob(a.http), await registerJob(b.http)];
        const viewers = [await a.client(), await b.client()];
        const failures = viewers.flatMap((v) => { const seen = collect(v, 'job:failed'); return [seen]; });
        for (const v of viewers) for (const id of ids) await request(v, 'subscribe', { job_id: id });
        await sleep(2200);
        const [ra, rb] = await Promise.all([a.plugin.stale.checkOnce(), b.plugin.stale.checkOnce()]);
        assert.deepEqual([...ra.failed, ...rb.failed].sort(), [...ids].sort(), 'each job failed by exactly one instance');
        await sleep(200);
        // Without a shared adapter each viewer hears only its own instance: the pushes add up to one per job.
        assert.equal(failures[0]!.length + failures[1]!.length, ids.length);
        const again = await Promise.all([a.plugin.stale.checkOnce(), b.plugin.stale.checkOnce()]);
        assert.deepEqual(again.flatMap((r) => r.failed), []);
      } finally {
        await b.close({ keepTables: true });
        await a.close();
        await shared?.destroy();
      }
    });
  });
}
