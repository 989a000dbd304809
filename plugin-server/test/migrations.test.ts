import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import { migrationSource } from '../src/store/migrations/index.js';
import { backends, migratedPlugin } from './support/backends.js';
import { registerJob } from './support/factories.js';
import { rollBackThrough } from './support/migrations.js';

/** A host upgrading the plugin keeps every job's disks; rolling the upgrade back keeps them too. */
for (const backend of backends()) {
  describe(`migration 004: disks move onto the job row (${backend.name})`, { skip: backend.skip }, () => {
    it('copies the disk rows of a 003 database onto their jobs, and back on rollback', async () => {
      const opened = await migratedPlugin(backend);
      try {
        const { plugin } = opened;
        const { knex, tables } = plugin.store;
        const config = { migrationSource: migrationSource(tables), tableName: tables.migrations };
        const app = express();
        app.use('/api/v1', plugin.router);
        const http = supertest(app);
        const withDisks = await registerJob(http, { disks: [{ disk_index: 1, total_bytes: 500 }, { disk_index: 0, total_bytes: 300 }] });
        const without = await registerJob(http, { disks: [] });
        await plugin.ingest.submit('backup', withDisks, { status: 'running', disks: [{ disk_index: 1, bytes_transferred: 250 }] });
        const expected = (await http.get(`/api/v1/backups/${withDisks}`).expect(200)).body.disks;
        assert.deepEqual(expected.map((d: { bytes_transferred: number }) => d.bytes_transferred), [0, 250]);

        await rollBackThrough(knex, config, '004_disks_on_job_row');
        const rows = await knex(tables.disks).orderBy('disk_index');
        assert.deepEqual(rows.map((r: Record<string, unknown>) => [r.backup_job_id, Number(r.disk_index), Number(r.bytes_transferred), Number(r.total_bytes), r.status]),
          [[withDisks, 0, 0, 300, 'pending'], [withDisks, 1, 250, 500, 'running']]);
        assert.equal(await knex.schema.hasColumn(tables.jobs, 'disks'), false);

        await knex.migrate.latest(config);
        assert.equal(await knex.schema.hasTable(tables.disks), false);
        assert.deepEqual((await http.get(`/api/v1/backups/${withDisks}`).expect(200)).body.disks, expected);
        assert.deepEqual((await http.get(`/api/v1/backups/${without}`).expect(200)).body.disks, []);
        // The moved disks take updates like any others.
        await plugin.ingest.submit('backup', withDisks, { status: 'running', disks: [{ disk_index: 0, bytes_transferred: 100 }] });
        const after = (await http.get(`/api/v1/backups/${withDisks}`).expect(200)).body;
        assert.deepEqual(after.disks.map((d: { bytes_transferred: number }) => d.bytes_transferred), [100, 250]);
        assert.equal(after.bytes_transferred, 350);
      } finally {
        await opened.dispose();
      }
    });
  });
}
