import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import type { TelemetryPlugin } from '../src/index.js';
import { backends, hostKnex, migratedPlugin, servers, titleOf, type Backend } from './support/backends.js';
import { registerJob } from './support/factories.js';

/**
 * One ingest batch is one transaction, written through knex on SQLite and PostgreSQL and as raw
 * statements on MySQL (two round trips when the connection takes several statements per query, one
 * statement per round trip on a host's knex that does not). Every path must store exactly the same thing.
 */

const [sqlite, mariadb, postgres] = backends() as [Backend, Backend, Backend];
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);

interface Path {
  name: string;
  skip: string | false;
  open(): Promise<{ plugin: TelemetryPlugin; dispose(): Promise<void> }>;
}

/** The plugin on a host's own knex (mysql2 from a URL string allows one statement per query; pg returns bigints as strings). */
async function onHostKnex(backend: Backend) {
  const knex = hostKnex(backend);
  const opened = await migratedPlugin(backend, { knex, now: () => clock, ingestLanes: 1 });
  return {
    plugin: opened.plugin,
    async dispose() {
      await opened.plugin.store.dropAll().catch(() => undefined);
      await opened.dispose();
      await knex.destroy();
    },
  };
}

const paths: Path[] = [
  { name: 'SQLite through knex', skip: sqlite.skip, open: () => migratedPlugin(sqlite, { now: () => clock }) },
  { name: 'MariaDB in two round trips', skip: mariadb.skip, open: () => migratedPlugin(mariadb, { now: () => clock, ingestLanes: 1 }) },
  { name: "MariaDB on a host's knex without multiple statements", skip: mariadb.skip, open: () => onHostKnex(mariadb) },
  { name: 'PostgreSQL from a postgres:// URL', skip: postgres.skip, open: () => migratedPlugin(postgres, { now: () => clock, ingestLanes: 1 }) },
  { name: "PostgreSQL on a host's knex with pg", skip: postgres.skip, open: () => onHostKnex(postgres) },
];

let clock = T0;

/** Submits updates without waiting in between, so they share one batch; returns each outcome. */
async function oneBatch(plugin: TelemetryPlugin, updates: [string, object][]) {
  const settled = await Promise.allSettled(updates.map(([id, body]) => plugin.ingest.submit('backup', id, body)));
  return settled.map((s) => (s.status === 'fulfilled' ? { applied: s.value.applied } : { error: (s.reason as { code: string }).code }));
}

/** The whole stored outcome of the scenario, minus what differs by construction (ids, row order). */
async function scenario(plugin: TelemetryPlugin) {
  clock = T0;
  const app = express();
  app.use('/api/v1', plugin.router);
  const http = supertest(app);
  const disks = [{ disk_index: 0, total_bytes: 4000 }, { disk_index: 1, total_bytes: 6000 }];
  const ids = { a: await registerJob(http, { disks }), b: await registerJob(http, { disks: [disks[0]!] }), c: await registerJob(http, { disks: [] }) };
  const outcomes = [];

  clock = T0 + 10_000;
  outcomes.push(await oneBatch(plugin, [
    [ids.a, { status: 'running', current_phase: 'copy', transfer_speed_bps: 100, disks: [{ disk_index: 0, bytes_transferred: 1000 }], timestamp: clock }],
    [ids.b, { status: 'running', current_phase: 'copy', transfer_speed_bps: 300, bytes_transferred: 500, timestamp: clock }],
    [ids.c, { status: 'running', current_phase: 'scan', transfer_speed_bps: 50, bytes_transferred: 10, total_bytes: 100, timestamp: clock }],
  ]));
  clock = T0 + 20_000;
  outcomes.push(await oneBatch(plugin, [
    // A moves on and completes within one batch: its snapshot from this batch is in its rollup.
    [ids.a, { status: 'running', current_phase: 'copy', transfer_speed_bps: 900, disks: [{ disk_index: 0, bytes_transferred: 4000 }, { disk_index: 1, bytes_transferred: 2000 }], timestamp: clock - 5000 }],
    [ids.a, { status: 'completed', current_phase: 'done', disks: [{ disk_index: 1, bytes_transferred: 6000 }], warnings_count: 1, log: [{ level: 'warning', message: 'skipped /tmp/locked' }], timestamp: clock - 1000 }],
    [ids.a, { status: 'running', timestamp: clock }],
    // B: a stale retry is acknowledged without effect; the newer update applies.
    [ids.b, { status: 'running', bytes_transferred: 1, log: [{ level: 'info', message: 'a retry: not logged twice' }], timestamp: T0 + 5000 }],
    [ids.b, { status: 'running', current_phase: 'verify', transfer_speed_bps: 200, bytes_transferred: 900, details: { files: 12 }, log: [{ level: 'info', message: 'verifying' }, { level: 'error', message: 'chunk 7 <bad>', at: clock - 500 }], timestamp: clock }],
    // C fails with the client's error text; an unknown job is refused without harming the batch.
    [ids.c, { status: 'failed', error: 'disk <b>full</b>', timestamp: clock }],
    ['no-such-job', { status: 'running', timestamp: clock }],
  ]));

  const { knex, tables } = plugin.store;
  const state = {} as Record<string, unknown>;
  for (const [key, id] of Object.entries(ids)) {
    const job = (await http.get(`/api/v1/backups/${id}`).expect(200)).body;
    const history = (await http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;
    const snapshots = await knex(tables.snapshots).where('job_id', id).orderBy('timestamp').select('timestamp', 'bytes_transferred', 'transfer_speed_bps', 'progress_percent', 'current_phase');
    const { id: _id, backup_id: _bid, ...rest } = job;
    const log = (await http.get(`/api/v1/backups/${id}/log`).expect(200)).body;
    state[key] = {
      job: rest,
      log: { ...log, job_id: undefined, entries: log.entries.map((e: { message: string }) => ({ ...e, message: e.message.replace(id, '<id>') })) },
      history: { ...history, job_id: undefined, current_state: history.current_state ? { ...history.current_state, id: undefined, backup_id: undefined } : undefined },
      snapshots: snapshots.map((s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'string' && k !== 'current_phase' ? Number(v) : v]))),
    };
  }
  return { outcomes, state };
}

describe('one ingest batch, one transaction, on every database path', () => {
  const results = new Map<string, Awaited<ReturnType<typeof scenario>>>();

  for (const path of paths) {
    it(`stores the scenario: ${path.name}`, { skip: path.skip }, async () => {
      const { plugin, dispose } = await path.open();
      try {
        const result = await scenario(plugin);
        results.set(path.name, result);
        assert.deepEqual(result.outcomes, [
          [{ applied: true }, { applied: true }, { applied: true }],
          [{ applied: true }, { applied: true }, { error: 'job_ended' }, { applied: false }, { applied: true }, { applied: true }, { error: 'job_not_found' }],
        ]);
        const { a, b, c } = result.state as Record<string, { job: Record<string, unknown>; history: Record<string, any>; snapshots: unknown[] }>;
        assert.equal(a!.job.status, 'completed');
        assert.equal(a!.job.bytes_transferred, 10_000, 'bytes are the sum over the disks');
        assert.deepEqual(a!.snapshots, [], "an ended job's snapshots are deleted in its ending commit");
        assert.equal(a!.history.data_source, 'rolled_up');
        assert.equal(a!.history.performance_metrics.snapshots_recorded, 3, "two stored snapshots (one from the ending batch) and the end");
        assert.equal(a!.history.performance_metrics.peak_speed_bps, 900, "the ending batch's own snapshot reaches the rollup");
        assert.equal(b!.job.status, 'running');
        assert.equal(b!.job.bytes_transferred, 900);
        assert.deepEqual(b!.job.details, { files: 12 });
        assert.equal(b!.snapshots.length, 2, 'a running job keeps its snapshots');
        const messages = (job: unknown) => (job as { log: { entries: { source: string; level: string; message: string }[] } }).log.entries.map((e) => `${e.source}/${e.level}: ${e.message}`);
        assert.deepEqual(messages(b).slice(1), ['hub/info: Phase: copy', 'hub/info: Phase: verify', 'client/info: verifying', 'client/error: chunk 7 <bad>'], 'a stale retry adds no line');
        assert.deepEqual(messages(a).slice(-3), ['hub/info: Phase: done', 'client/warning: skipped /tmp/locked', 'hub/warning: Completed with 1 warning']);
        assert.equal(c!.job.status, 'failed');
        assert.equal(c!.job.error_message, 'disk <b>full</b>');
        assert.deepEqual(c!.snapshots, []);
      } finally {
        await dispose();
      }
    });
  }

  it('every path stored exactly what SQLite stored', { skip: mariadb.skip && postgres.skip ? 'neither MYSQL_URL nor PG_URL is set' : false }, () => {
    const reference = results.get(paths[0]!.name);
    assert.ok(reference, 'the SQLite path ran');
    for (const path of paths.slice(1).filter((p) => !p.skip)) {
      const got = results.get(path.name);
      assert.ok(got, `${path.name} ran`);
      assert.deepEqual(got, reference, path.name);
    }
  });
});

for (const server of servers()) {
  describe(`a batch whose write fails midway leaves nothing behind (${titleOf(server)})`, { skip: server.skip }, () => {
    let opened: Awaited<ReturnType<typeof migratedPlugin>> | undefined;
    after(async () => { await opened?.dispose(); });

    it('rolls back the statements that ran before the failing one, then ingests again once the cause is gone', async () => {
      opened = await migratedPlugin(server, { now: () => clock, ingestLanes: 1 });
      const { plugin } = opened;
      const app = express();
      app.use('/api/v1', plugin.router);
      const http = supertest(app);
      const id = await registerJob(http, { disks: [{ disk_index: 0, total_bytes: 1000 }] });
      const { knex, tables } = plugin.store;
      const before = await knex(tables.jobs).where('id', id).first();

      // The snapshot insert is the last write of the batch: make only it fail, after the upsert of the
      // job (with its disks) ran in the same round trip.
      await knex.raw('ALTER TABLE ?? ADD CONSTRAINT ?? CHECK (progress_percent < 50)', [tables.snapshots, `${tables.prefix}progress_check`]);
      clock = T0 + 1000;
      const update = { status: 'running', current_phase: 'copy', transfer_speed_bps: 10, disks: [{ disk_index: 0, bytes_transferred: 800 }], timestamp: clock };
      await assert.rejects(plugin.ingest.submit('backup', id, update), (e: { status: number }) => e.status === 500);
      assert.deepEqual(await knex(tables.jobs).where('id', id).first(), before, 'job row (and its disks) unchanged');
      assert.equal((await knex(tables.snapshots).where('job_id', id)).length, 0, 'no snapshot left');

      await knex.raw('ALTER TABLE ?? DROP CONSTRAINT ??', [tables.snapshots, `${tables.prefix}progress_check`]);
      assert.deepEqual(await plugin.ingest.submit('backup', id, update), { applied: true, job_id: id });
      const job = await knex(tables.jobs).where('id', id).first();
      assert.equal(Number(job.bytes_transferred), 800);
      assert.deepEqual((typeof job.disks === 'string' ? JSON.parse(job.disks) : job.disks).map((d: { bytes_transferred: number }) => d.bytes_transferred), [800], 'disk progress on the job row');
      assert.equal((await knex(tables.snapshots).where('job_id', id)).length, 1);
    });
  });
}

describe('a batch whose COMMIT fails is not acknowledged (PostgreSQL)', { skip: postgres.skip }, () => {
  let opened: Awaited<ReturnType<typeof migratedPlugin>> | undefined;
  after(async () => { await opened?.dispose(); });

  it('refuses the update and stores nothing when the database refuses the COMMIT itself, then ingests again', async () => {
    opened = await migratedPlugin(postgres, { now: () => clock, ingestLanes: 1 });
    const { plugin } = opened;
    const app = express();
    app.use('/api/v1', plugin.router);
    const id = await registerJob(supertest(app), { disks: [{ disk_index: 0, total_bytes: 1000 }] });
    const { knex, tables } = plugin.store;
    const before = await knex(tables.jobs).where('id', id).first();

    // A deferred foreign key to an empty table: every statement of the batch succeeds, and PostgreSQL
    // checks the snapshot's reference only at COMMIT, which it then refuses (23503).
    const parent = `${tables.prefix}commit_gate`;
    const constraint = `${tables.prefix}commit_gate_fk`;
    await knex.raw('CREATE TABLE ?? (job_id varchar(255) PRIMARY KEY)', [parent]);
    await knex.raw('ALTER TABLE ?? ADD CONSTRAINT ?? FOREIGN KEY (job_id) REFERENCES ?? (job_id) DEFERRABLE INITIALLY DEFERRED NOT VALID', [tables.snapshots, constraint, parent]);
    try {
      clock = T0 + 1000;
      const update = { status: 'running', current_phase: 'copy', transfer_speed_bps: 10, disks: [{ disk_index: 0, bytes_transferred: 800 }], timestamp: clock };
      await assert.rejects(plugin.ingest.submit('backup', id, update), (e: { status: number }) => e.status >= 500, 'an update whose commit failed is not acknowledged');
      assert.deepEqual(await knex(tables.jobs).where('id', id).first(), before, 'job row unchanged');
      assert.equal((await knex(tables.snapshots).where('job_id', id)).length, 0, 'no snapshot stored');

      await knex.raw('ALTER TABLE ?? DROP CONSTRAINT ??', [tables.snapshots, constraint]);
      assert.deepEqual(await plugin.ingest.submit('backup', id, update), { applied: true, job_id: id });
      assert.equal(Number((await knex(tables.jobs).where('id', id).first()).bytes_transferred), 800);
    } finally {
      await knex.raw('ALTER TABLE ?? DROP CONSTRAINT IF EXISTS ??', [tables.snapshots, constraint]);
      await knex.raw('DROP TABLE IF EXISTS ??', [parent]);
    }
  });
});
