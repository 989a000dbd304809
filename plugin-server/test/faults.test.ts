import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import type { JobEndedEvent } from '@backup-telemetry/contract';
import { knexFromUrl } from '../src/index.js';
import { backends, hostKnex, servers, startHub, titleOf, uniquePrefix, type Backend, type TestHub } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { request, sleep, startLiveHub } from './support/live.js';
import { proxyDatabase } from './support/tcp-proxy.js';

const FIVE_MINUTES = 300_000;

/** A clock the test moves by hand, shared by every instance of one scenario. */
function manualClock() {
  const clock = { t: Date.now(), now: () => clock.t, advance: (ms: number) => { clock.t += ms; } };
  return clock;
}

/** Update i of a run: job bytes are always the sum of the two disks, so a half-written update shows. */
const step = (i: number) => update({
  current_phase: `phase-${i}`, bytes_transferred: 20 * i, total_bytes: 4000,
  disks: [{ disk_index: 0, bytes_transferred: 10 * i }, { disk_index: 1, bytes_transferred: 10 * i }],
});

for (const server of servers()) {
  describe(`database unreachable mid-run (${titleOf(server)} behind a proxy the test cuts)`, { skip: server.skip }, () => {
    it('answers 503 with Retry-After within seconds on HTTP and socket, writes nothing partial, and recovers by itself', async () => {
      const { proxy, url } = await proxyDatabase(server.url());
      const hub = await startLiveHub(server, { databaseUrl: url, acquireTimeoutMs: 2000 });
      const direct = knexFromUrl(server.url());
      const { jobs, snapshots } = hub.plugin.store.tables;
      try {
        const id = await registerJob(hub.http);
        const agent = await hub.client();
        await send(hub.http, id, step(1)).expect(200);
        assert.deepEqual(await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...step(2) }), { ok: true, applied: true });

        // Cut while a burst is in flight: each update is either acknowledged or refused with 503.
        const burst = [3, 4, 5, 6, 7, 8].map((i) => send(hub.http, id, step(i)).then((res) => ({ i, status: res.status })));
        await sleep(5);
        await proxy.cut();
        const outcomes = await Promise.all(burst);
        for (const o of outcomes) assert.ok([200, 503].includes(o.status), `update ${o.i} answered ${o.status}`);

        const started = Date.now();
        const refused = await send(hub.http, id, step(20)).expect(503);
        assert.ok(Date.now() - started < 5000, `refused after ${Date.now() - started} ms`);
        assert.equal(refused.body.error.code, 'database_unavailable');
        assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After is set');
        const ack = await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...step(21) });
        assert.equal(ack.ok, false);
        assert.equal(ack.error.status, 503);

        // Nothing partial: job and disks (on its row) agree, every acknowledged update has its snapshot, refused ones none.
        const row = await direct(jobs).where({ id }).first();
        const diskRows = (typeof row.disks === 'string' ? JSON.parse(row.disks) : row.disks) as { bytes_transferred: number }[];
        assert.equal(Number(row.bytes_transferred), Number(diskRows[0].bytes_transferred) + Number(diskRows[1].bytes_transferred));
        assert.equal(Number(diskRows[0].bytes_transferred), Number(diskRows[1].bytes_transferred));
        assert.equal(row.current_phase, `phase-${Number(row.bytes_transferred) / 20}`);
        const stored = new Set((await direct(snapshots).where({ job_id: id }).select('bytes_transferred')).map((s: { bytes_transferred: unknown }) => Number(s.bytes_transferred) / 20));
        for (const o of outcomes) if (o.status === 200) assert.ok(stored.has(o.i), `acknowledged update ${o.i} was lost`);
        assert.ok(!stored.has(20) && !stored.has(21), 'a refused update was written');

        await proxy.restore();
        const deadline = Date.now() + 15_000;
        let status = 0;
        while (Date.now() < deadline && status !== 200) {
          status = (await send(hub.http, id, step(30))).status;
          if (status !== 200) await sleep(250);
        }
        assert.equal(status, 200, 'ingest recovers without a restart');
        assert.equal((await request(agent, 'telemetry', { job_type: 'backup', job_id: id, ...step(31) })).ok, true);

        const recorded = Number((await direct(snapshots).where({ job_id: id }).count({ n: '*' }))[0]!.n);
        await send(hub.http, id, { status: 'completed' }).expect(200);
        const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
        assert.equal(job.status, 'completed');
        assert.ok(job.performance_metrics.snapshots_recorded >= recorded, `rollup counts ${job.performance_metrics.snapshots_recorded} of ${recorded} snapshots`);
        assert.equal(job.bytes_transferred, 620);
        assert.equal(Number((await direct(snapshots).where({ job_id: id }).count({ n: '*' }))[0]!.n), 0, 'snapshots are deleted after the rollup');
      } finally {
        await proxy.restore().catch(() => undefined);
        await hub.close();
        await direct.destroy();
        await proxy.close();
      }
    });
  });

  describe(`database that stops answering on open connections (${titleOf(server)} behind a stalled proxy)`, { skip: server.skip }, () => {
    it('answers ingest with 503 within seconds instead of hanging', async () => {
      const { proxy, url } = await proxyDatabase(server.url());
      const hub = await startLiveHub(server, { databaseUrl: url, acquireTimeoutMs: 2000 });
      try {
        const id = await registerJob(hub.http);
        await send(hub.http, id, step(1)).expect(200);
        proxy.stall();
        const answer = await Promise.race([send(hub.http, id, step(2)).then((res) => res.status), sleep(6000).then(() => 'no answer within 6 s')]);
        assert.equal(answer, 503);
      } finally {
        await proxy.restore();
        await hub.close();
        await proxy.close();
      }
    });
  });
}

for (const backend of backends()) {
  describe(`hub restarted mid-job on ${backend.name}`, { skip: backend.skip }, () => {
    it('resumes the job on a new instance, rolls up snapshots from both halves, and counts silence from the last telemetry', async () => {
      const clock = manualClock();
      const options = { databaseUrl: backend.url(), tablePrefix: uniquePrefix(), now: clock.now, staleWarnAfterSeconds: 60, staleFailAfterSeconds: FIVE_MINUTES / 1000 };
      const first = await startHub(backend, options);
      let second: TestHub | undefined;
      try {
        const resumed = await registerJob(first.http);
        const silent = await registerJob(first.http);
        const control = await registerJob(first.http);
        const ingest = async (hub: TestHub, ids: string[], from: number, to: number) => {
          for (let i = from; i <= to; i++) {
            clock.advance(10_000);
            for (const id of ids) await send(hub.http, id, step(i)).expect(200);
          }
        };
        await ingest(first, [resumed, silent, control], 1, 3);
        await first.plugin.close();

        clock.advance(20_000);
        second = await startHub(backend, options);
        const lastBeforeRestart = clock.t - 20_000;
        clock.t = lastBeforeRestart + FIVE_MINUTES - 1000;
        assert.deepEqual((await second.plugin.stale.checkOnce()).failed, [], 'silence counts from the last telemetry, not from the start or the restart');
        clock.t = lastBeforeRestart + 30_000;
        const job = (await second.http.get(`/api/v1/backups/${resumed}`).expect(200)).body;
        assert.deepEqual([job.status, job.bytes_transferred, job.current_phase], ['running', 60, 'phase-3']);

        await ingest(second, [resumed, silent, control], 4, 6);
        const lastTelemetry = clock.t;
        await send(second.http, resumed, { status: 'completed' }).expect(200);
        await send(second.http, control, { status: 'completed' }).expect(200);
        const done = (await second.http.get(`/api/v1/backups/${resumed}`).expect(200)).body;
        const reference = (await second.http.get(`/api/v1/backups/${control}`).expect(200)).body;
        assert.equal(done.status, 'completed');
        assert.equal(done.bytes_transferred, 120);
        assert.ok(done.performance_metrics.snapshots_recorded >= 6, `rollup holds ${done.performance_metrics.snapshots_recorded} snapshots, the run made 6`);
        assert.equal(done.performance_metrics.snapshots_recorded, reference.performance_metrics.snapshots_recorded);
        assert.deepEqual(done.performance_metrics.phases.map((p: { phase: string }) => p.phase), ['phase-1', 'phase-2', 'phase-3', 'phase-4', 'phase-5', 'phase-6']);

        clock.t = lastTelemetry + FIVE_MINUTES - 1000;
        assert.deepEqual((await second.plugin.stale.checkOnce()).failed, [], 'not failed before five minutes of silence');
        clock.t = lastTelemetry + FIVE_MINUTES + 1000;
        assert.deepEqual((await second.plugin.stale.checkOnce()).failed, [silent], 'failed once five minutes have passed since its last update');
        const stalled = (await second.http.get(`/api/v1/backups/${silent}`).expect(200)).body;
        assert.match(stalled.error_message, /no telemetry for 5m1s/);
      } finally {
        await first.plugin.close();
        await second?.close();
      }
    });
  });
}

for (const server of servers()) {
  describe(`three hub instances on one ${titleOf(server)}`, { skip: server.skip }, () => {
    it('fail each silent job once: one transition, one rollup, one job:failed across instances', async () => {
      const clock = manualClock();
      const options = { databaseUrl: server.url(), tablePrefix: uniquePrefix(), now: clock.now, staleWarnAfterSeconds: 1, staleFailAfterSeconds: 2 };
      const hubs = [await startHub(server, options), await startHub(server, options), await startHub(server, options)];
      try {
        const failedEvents = new Map<string, number>();
        for (const hub of hubs) {
          hub.plugin.events.on('job:ended', ({ job }: JobEndedEvent) => {
            if (job.status === 'failed') failedEvents.set(job.backup_id, (failedEvents.get(job.backup_id) ?? 0) + 1);
          });
        }
        const ids: string[] = [];
        for (let j = 0; j < 9; j++) ids.push(await registerJob(hubs[j % 3]!.http));
        for (const [j, id] of ids.entries()) {
          await send(hubs[j % 3]!.http, id, step(1)).expect(200);
          clock.advance(1);
          await send(hubs[(j + 1) % 3]!.http, id, step(2)).expect(200);
        }
        clock.advance(5000);

        const failedBy: string[][] = [];
        for (let round = 0; round < 3; round++) {
          const results = await Promise.all(hubs.map((h) => h.plugin.stale.checkOnce()));
          failedBy.push(...results.map((r) => r.failed));
        }
        const all = failedBy.flat();
        assert.deepEqual([...all].sort(), [...ids].sort(), 'every job failed exactly once, by one instance');
        await sleep(50);
        for (const id of ids) assert.equal(failedEvents.get(id), 1, `job:failed events for ${id}`);

        const { snapshots } = hubs[0]!.plugin.store.tables;
        for (const id of ids) {
          const job = (await hubs[0]!.http.get(`/api/v1/backups/${id}`).expect(200)).body;
          assert.equal(job.status, 'failed');
          assert.ok(job.performance_metrics, 'rolled up');
          assert.ok(job.performance_metrics.snapshots_recorded >= 2, `rollup of ${id} holds ${job.performance_metrics.snapshots_recorded} snapshots: a second rollup would have found none`);
          assert.equal(job.bytes_transferred, 40);
        }
        const left = await hubs[0]!.plugin.knex(snapshots).whereIn('job_id', ids).count({ n: '*' });
        assert.equal(Number(left[0]!.n), 0, 'snapshots deleted');
      } finally {
        for (const hub of hubs.reverse()) await hub.close();
      }
    });
  });
}

const quiet = { warn() {}, error() {}, debug() {}, deprecate() {} };

/** A knex of its own with a single connection that waits at most 1 s for it. */
function singleConnectionKnex(backend: Backend): { knex: Knex; cleanup(): void } {
  if (backend.name !== 'sqlite') {
    return { knex: hostKnex(backend, { pool: { min: 0, max: 1 }, acquireConnectionTimeout: 1000, log: quiet }), cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bt-pool-'));
  return {
    knex: knexFactory({ client: 'better-sqlite3', connection: { filename: join(dir, 'telemetry.sqlite') }, useNullAsDefault: true, pool: { min: 1, max: 1 }, acquireConnectionTimeout: 1000, log: quiet }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

for (const backend of backends()) {
  describe(`pool exhausted on ${backend.name}`, { skip: backend.skip }, () => {
    it('answers ingest with 503 and Retry-After within about 2 s while the only connection is held, then works again', async () => {
      const { knex, cleanup } = singleConnectionKnex(backend);
      const hub = await startHub(backend, { knex });
      let held: Knex.Transaction | undefined;
      try {
        const id = await registerJob(hub.http);
        await send(hub.http, id, step(1)).expect(200);
        const before = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;

        held = await knex.transaction();
        await held.raw('select 1');
        const started = Date.now();
        const res = await send(hub.http, id, step(2));
        const elapsed = Date.now() - started;
        assert.equal(res.status, 503, res.text);
        assert.ok(elapsed < 2500, `answered after ${elapsed} ms`);
        assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After is set');
        await held.rollback();
        held = undefined;

        const after = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
        assert.equal(after.bytes_transferred, before.bytes_transferred, 'the refused update left no trace');
        await send(hub.http, id, step(3)).expect(200);
        assert.equal((await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body.bytes_transferred, 60);
      } finally {
        await held?.rollback().catch(() => undefined);
        await hub.plugin.store.dropAll().catch(() => undefined);
        await hub.close();
        await knex.destroy();
        cleanup();
      }
    });
  });
}
