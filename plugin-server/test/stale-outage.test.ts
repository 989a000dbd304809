import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { backends, servers, titleOf, uniquePrefix, type Backend } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { sleep, startLiveHub, type LiveHub } from './support/live.js';
import { proxyDatabase } from './support/tcp-proxy.js';

/** The jobs a detector pass warned and failed (a pass also reports the at-risk sweep's changes). */
const jobsOf = ({ warned, failed }: { warned: string[]; failed: string[] }) => ({ warned, failed });

/**
 * A database outage longer than `staleFailAfterSeconds` must not fail the jobs whose agents were
 * retrying against the hub's 503s all along; a job whose agent really stopped is failed once, the
 * threshold counted from when the database came back.
 */

const [sqlite] = backends() as [Backend];
const FAIL_AFTER_MS = 300_000;
const options = { staleWarnAfterSeconds: 60, staleFailAfterSeconds: FAIL_AFTER_MS / 1000, acquireTimeoutMs: 1000, transactionTimeoutMs: 2000 };

/** A clock the test moves by hand, shared by every instance of one scenario. */
function manualClock() {
  const clock = { t: Date.now(), now: () => clock.t, advance: (ms: number) => { clock.t += ms; } };
  return clock;
}

/** Runs `work` until the database answers it (a pooled connection may still fail once after a cut). */
async function once<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 40) throw error;
      await sleep(250);
    }
  }
}

/** A database that can really go away: `cut` makes every query fail, `restore` brings it back. */
interface Outage {
  hubs: LiveHub[];
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A database server behind a TCP proxy the test cuts, with `instances` hubs sharing one table prefix (one pool each). */
async function behindProxy(server: Backend, clock: ReturnType<typeof manualClock>, instances = 1): Promise<Outage> {
  const { proxy, url } = await proxyDatabase(server.url());
  const prefix = uniquePrefix();
  const hubs: LiveHub[] = [];
  for (let i = 0; i < instances; i++) hubs.push(await startLiveHub({ ...server, url: () => url }, { ...options, tablePrefix: prefix, now: clock.now }));
  return {
    hubs,
    cut: () => proxy.cut(),
    restore: () => proxy.restore(),
    async close() {
      await proxy.restore().catch(() => undefined);
      for (const hub of hubs.slice(1)) await hub.close({ keepTables: true });
      await hubs[0]!.close();
      await proxy.close();
    },
  };
}

/**
 * SQLite whose file another process holds the write lock of (as a backup tool or a stuck `sqlite3`
 * shell would): every write of the hub fails with SQLITE_BUSY, which it treats as unavailable.
 */
async function sqliteLockedByAnotherConnection(clock: ReturnType<typeof manualClock>): Promise<Outage> {
  const dir = mkdtempSync(join(tmpdir(), 'bt-outage-'));
  const filename = join(dir, 'telemetry.sqlite');
  const knex = knexFactory({
    client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true,
    pool: {
      min: 1, max: 1,
      afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 50'); // a short wait, so the test does not sit out the default 5 s per write
        done(null, conn);
      },
    },
  });
  const hub = await startLiveHub(sqlite, { ...options, knex, now: clock.now });
  const locker = knexFactory({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
  let held: Knex.Transaction | null = null;
  const release = async () => { await held?.commit(); held = null; };
  return {
    hubs: [hub],
    async cut() {
      held = await locker.transaction();
      await held.raw('DELETE FROM ?? WHERE 0', [hub.plugin.store.tables.jobs]); // takes the file's write lock until commit
    },
    restore: release,
    async close() {
      await release();
      await locker.destroy();
      await hub.close();
      await knex.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const progress = (bytes: number) => update({ bytes_transferred: bytes, timestamp: undefined });

const stalled = (silent: string, sinceBack: string) =>
  `Job stalled - no telemetry for ${silent} (backup client may have crashed; silent for ${sinceBack} since the hub's database came back)`;

const databases = [
  ...servers().map((server) => ({ name: `${titleOf(server)} cut at a TCP proxy`, skip: server.skip, open: (clock: ReturnType<typeof manualClock>) => behindProxy(server, clock) })),
  { name: 'SQLite write-locked by another connection', skip: sqlite.skip, open: sqliteLockedByAnotherConnection },
];

for (const database of databases) {
  describe(`a database outage longer than the stale threshold (${database.name})`, { skip: database.skip }, () => {
    it('fails no job whose agent kept retrying, and fails a job whose agent stopped once, the threshold counted from recovery', async () => {
      const clock = manualClock();
      const outage = await database.open(clock);
      const [hub] = outage.hubs as [LiveHub];
      try {
        const live = await registerJob(hub.http);
        const dead = await registerJob(hub.http);
        await send(hub.http, live, progress(100)).expect(200);
        await send(hub.http, dead, progress(100)).expect(200);
        const lastFromDead = clock.t;

        await outage.cut();
        clock.advance(20_000);
        await send(hub.http, dead, progress(200)).expect(503); // its agent's last word, refused; then it dies
        for (let minute = 1; minute <= 10; minute++) {
          clock.advance(60_000);
          await send(hub.http, live, progress(100 + minute)).expect(503);
          if (minute % 5 === 0) await assert.rejects(hub.plugin.stale.checkOnce(), 'the detector cannot reach the database either');
        }

        await outage.restore();
        clock.advance(1000);
        const first = await once(() => hub.plugin.stale.checkOnce());
        const recoveredAt = clock.t;
        assert.deepEqual(jobsOf(first), { warned: [], failed: [] }, 'the first pass after the outage fails and warns nobody');

        // The live agent's retry lands; it carries on and completes normally.
        clock.advance(5000);
        await once(() => send(hub.http, live, progress(500)).expect(200));
        const beat = async () => { await send(hub.http, live, progress(600)).expect(200); };
        clock.t = recoveredAt + 61_000;
        await beat();
        const warned = await hub.plugin.stale.checkOnce();
        assert.deepEqual(jobsOf(warned), { warned: [dead], failed: [] }, 'the silent job is warned a warn threshold after recovery');
        clock.t = recoveredAt + FAIL_AFTER_MS - 1000;
        await beat();
        assert.deepEqual((await hub.plugin.stale.checkOnce()).failed, [], 'not failed before the threshold counted from recovery');

        clock.t = recoveredAt + FAIL_AFTER_MS + 1000;
        await beat();
        assert.deepEqual((await hub.plugin.stale.checkOnce()).failed, [dead]);
        assert.deepEqual((await hub.plugin.stale.checkOnce()).failed, [], 'failed once');
        const failed = (await hub.http.get(`/api/v1/backups/${dead}`).expect(200)).body;
        assert.equal(failed.status, 'failed');
        assert.equal(clock.t - lastFromDead, 922_000);
        assert.equal(failed.error_message, stalled('15m22s', '5m1s'), 'the whole silence, and the part after the outage');

        await send(hub.http, live, { status: 'completed' }).expect(200);
        const done = (await hub.http.get(`/api/v1/backups/${live}`).expect(200)).body;
        assert.deepEqual([done.status, done.error_message], ['completed', null]);
        const metrics = await hub.plugin.metrics.registry.getSingleMetricAsString('bt_database_outages_recorded_total');
        assert.match(metrics, /bt_database_outages_recorded_total [1-9]/);
      } finally {
        await outage.close();
      }
    });

    it('records the end once ingest reaches the database again, keeping the latest end when instances record out of order', async () => {
      const clock = manualClock();
      const outage = await database.open(clock);
      const [hub] = outage.hubs as [LiveHub];
      const { store } = hub.plugin;
      try {
        const id = await registerJob(hub.http);
        assert.equal(await store.outages.latest(store.knex), null);
        await outage.cut();
        const startedAt = clock.t;
        await send(hub.http, id, progress(1)).expect(503);
        clock.advance(60_000);
        await outage.restore();
        await once(() => send(hub.http, id, progress(2)).expect(200));
        let recorded = null;
        for (let i = 0; i < 40 && !recorded; i++) { recorded = await store.outages.latest(store.knex); if (!recorded) await sleep(50); }
        assert.deepEqual(recorded, { started_at: startedAt, ended_at: clock.t }, 'the first commit after the outage records it, no stale pass needed');
        assert.equal(await store.outages.record(store.knex, { started_at: startedAt - 1000, ended_at: clock.t - 1 }), false, 'an older end never replaces a newer one');
        assert.deepEqual(await store.outages.latest(store.knex), recorded);
      } finally {
        await outage.close();
      }
    });
  });
}

for (const server of servers()) {
  describe(`a database outage seen by two hub instances (${titleOf(server)})`, { skip: server.skip }, () => {
    it('still fails a job whose agent stopped exactly once, and no other', async () => {
      const clock = manualClock();
      const outage = await behindProxy(server, clock, 2);
      const [a, b] = outage.hubs as [LiveHub, LiveHub];
      try {
        const ids = { live: await registerJob(a.http), dead: await registerJob(b.http), alsoDead: await registerJob(a.http) };
        for (const id of Object.values(ids)) await send(a.http, id, progress(1)).expect(200);

        await outage.cut();
        clock.advance(2 * FAIL_AFTER_MS);
        await send(a.http, ids.live, progress(2)).expect(503);
        await send(b.http, ids.live, progress(3)).expect(503);
        await assert.rejects(a.plugin.stale.checkOnce());
        await assert.rejects(b.plugin.stale.checkOnce());

        await outage.restore();
        const recoveredAt = clock.t;
        const firstPasses = await Promise.all([once(() => a.plugin.stale.checkOnce()), once(() => b.plugin.stale.checkOnce())]);
        assert.deepEqual(firstPasses.flatMap((r) => r.failed), [], 'no job failed by either instance after the outage');
        await once(() => send(b.http, ids.live, progress(4)).expect(200));

        clock.t = recoveredAt + FAIL_AFTER_MS + 1000;
        await send(a.http, ids.live, progress(5)).expect(200);
        const passes = await Promise.all([a.plugin.stale.checkOnce(), b.plugin.stale.checkOnce()]);
        assert.deepEqual(passes.flatMap((r) => r.failed).sort(), [ids.dead, ids.alsoDead].sort(), 'each stopped job failed by exactly one instance');
        const again = await Promise.all([a.plugin.stale.checkOnce(), b.plugin.stale.checkOnce()]);
        assert.deepEqual(again.flatMap((r) => r.failed), []);
        assert.equal((await a.http.get(`/api/v1/backups/${ids.live}`).expect(200)).body.status, 'running');
      } finally {
        await outage.close();
      }
    });
  });
}
