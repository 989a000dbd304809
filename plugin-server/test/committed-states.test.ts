import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import type { TelemetryUpdate } from '@backup-telemetry/contract';
import { backends, migratedPlugin, uniquePrefix, type Backend } from './support/backends.js';
import { registerJob } from './support/factories.js';

/**
 * An ingest batch reuses the job state its instance committed (locking the row and reading only its
 * version) instead of reading the job back. That shortcut must never lose a write made elsewhere:
 * another instance's updates and the stale detector's verdict bump the row version, and the next
 * batch then reads the job in full.
 */

const T0 = Date.UTC(2026, 10, 30, 1, 0, 0);

async function twoInstances(backend: Backend) {
  let clock = T0;
  const shared = { databaseUrl: backend.url(), tablePrefix: uniquePrefix(), now: () => clock, ingestLanes: 1 };
  const a = await migratedPlugin(backend, shared);
  const b = await migratedPlugin(backend, shared);
  const app = express();
  app.use('/api/v1', a.plugin.router);
  const http = supertest(app);
  const id = await registerJob(http, { disks: [{ disk_index: 0, total_bytes: 1000 }, { disk_index: 1, total_bytes: 1000 }] });
  let stamp = T0;
  const send = (hub: typeof a, body: Partial<TelemetryUpdate>) => {
    clock += 1000;
    stamp += 1000;
    return hub.plugin.ingest.submit('backup', id, { status: 'running', timestamp: stamp, ...body });
  };
  const stored = async () => (await http.get(`/api/v1/backups/${id}`).expect(200)).body;
  return {
    a, b, id, send, stored, http,
    advance: (ms: number) => { clock += ms; },
    async close() {
      await b.dispose({ keepTables: true });
      await a.dispose();
    },
  };
}

/** MariaDB and PostgreSQL write batches of known jobs in one round trip, guarded by the row-version CHECK. */
const guardedBackend = (backend: Backend) => backend.name !== 'sqlite';

for (const backend of backends()) {
  describe(`ingest reusing the state it committed (${backend.name})`, { skip: backend.skip }, () => {
    it(guardedBackend(backend)
      ? 'writes a batch of jobs it knows in one round trip, guarded by a CHECK the database enforces'
      : 'locks every batch first (a SQLite write transaction holds the whole database)', async () => {
      const t = await twoInstances(backend);
      try {
        const oneRoundTrip = t.a.plugin.store.ingestTransaction().commitIfUnchanged;
        assert.equal(typeof oneRoundTrip, guardedBackend(backend) ? 'function' : 'undefined');
      } finally {
        await t.close();
      }
    });

    it("keeps another instance's disk progress and details when it updates the job again", async () => {
      const t = await twoInstances(backend);
      try {
        await t.send(t.a, { disks: [{ disk_index: 0, bytes_transferred: 100 }], details: { files_a: 1 } });
        await t.send(t.b, { disks: [{ disk_index: 1, bytes_transferred: 200 }], details: { files_b: 2 } });
        await t.send(t.a, { current_phase: 'verifying', details: { files_c: 3 } });
        const job = await t.stored();
        assert.deepEqual(job.details, { files_a: 1, files_b: 2, files_c: 3 });
        // On MariaDB and PostgreSQL the third update was first written without locking, found B's change and was retried.
        const conflicts = (await t.a.plugin.metrics.registry.getSingleMetricAsString('bt_ingest_version_conflicts_total')).match(/_total (\d+)/)?.[1];
        assert.equal(conflicts, guardedBackend(backend) ? '1' : '0');
        assert.deepEqual(job.disks.map((d: { bytes_transferred: number }) => d.bytes_transferred), [100, 200]);
        assert.equal(job.bytes_transferred, 300);
        assert.equal(job.current_phase, 'verifying');
      } finally {
        await t.close();
      }
    });

    it('refuses telemetry for a job the stale detector of another instance failed meanwhile', async () => {
      const t = await twoInstances(backend);
      try {
        await t.send(t.a, { bytes_transferred: 100 });
        t.advance(10 * 60_000);
        assert.deepEqual((await t.b.plugin.stale.checkOnce()).failed, [t.id]);
        await assert.rejects(t.send(t.a, { bytes_transferred: 200 }), { status: 409, code: 'job_ended' });
        const job = await t.stored();
        assert.equal(job.status, 'failed');
        assert.match(job.error_message, /^Job stalled - no telemetry for 10m/);
      } finally {
        await t.close();
      }
    });

    it('loses no applied update when two instances race on the same jobs', async () => {
      const t = await twoInstances(backend);
      const ids = [t.id];
      for (let j = 1; j < 4; j++) ids.push(await registerJob(t.http, { disks: [] }));
      const { knex, tables } = t.a.plugin.store;
      try {
        const sent: { job: string; stamp: number; disk: number; bytes: number; applied: Promise<boolean> }[] = [];
        for (let i = 1; i <= 120; i++) {
          t.advance(1000);
          for (const [j, job] of ids.entries()) {
            const hub = (i * 7 + j) % 3 === 0 ? t.b : t.a;
            const stamp = T0 + i * 1000;
            const disk = (i + j) % 3;
            const body = { status: 'running', timestamp: stamp, disks: [{ disk_index: disk, bytes_transferred: i * 10 + j, total_bytes: 10_000 }] };
            sent.push({ job, stamp, disk, bytes: i * 10 + j, applied: hub.plugin.ingest.submit('backup', job, body).then((r) => r.applied) });
          }
          if (i % 10 === 0) await Promise.all(sent.map((u) => u.applied));
        }
        const outcomes = await Promise.all(sent.map((u) => u.applied));
        for (const job of ids) {
          const applied = sent.filter((u, k) => u.job === job && outcomes[k]);
          assert.ok(applied.length > 0);
          const stored = (await t.http.get(`/api/v1/backups/${job}`).expect(200)).body;
          for (let disk = 0; disk < 3; disk++) {
            const last = applied.filter((u) => u.disk === disk).sort((x, y) => x.stamp - y.stamp).pop();
            const got = stored.disks.find((d: { disk_index: number }) => d.disk_index === disk)?.bytes_transferred;
            assert.equal(got, last?.bytes, `job ${job} disk ${disk}: the newest applied update's bytes`);
          }
          const row = await knex(tables.jobs).where({ id: job }).first();
          const rows = await knex(tables.snapshots).where({ job_id: job }).count<{ n: number }[]>({ n: '*' });
          assert.equal(Number(row.snapshot_count), Number(rows[0]!.n), `job ${job}: snapshot_count matches the stored snapshots`);
          assert.equal(Number(row.last_update_at), Math.max(...applied.map((u) => u.stamp)), `job ${job}: the newest applied update is the stored state`);
        }
      } finally {
        await t.close();
      }
    });

    it('does not read the job back while its row version is the one it wrote', async () => {
      const t = await twoInstances(backend);
      const { knex, tables } = t.a.plugin.store;
      try {
        await t.send(t.a, { details: { run: 'first' } });
        // A write that leaves row_version alone goes unseen: proof that the kept state was used...
        await knex(tables.jobs).where({ id: t.id }).update({ vm_context_id: 'changed behind the hub' });
        await knex(tables.jobs).where({ id: t.id }).update({ details: JSON.stringify({ run: 'overwritten' }) });
        await t.send(t.a, { current_phase: 'copy' });
        assert.deepEqual((await t.stored()).details, { run: 'first' });
        // ...and one that bumps it is read.
        await knex(tables.jobs).where({ id: t.id }).update({ details: JSON.stringify({ run: 'overwritten' }), row_version: knex.raw('row_version + 1') });
        await t.send(t.a, { current_phase: 'verify' });
        assert.deepEqual((await t.stored()).details, { run: 'overwritten' });
      } finally {
        await t.close();
      }
    });
  });
}
