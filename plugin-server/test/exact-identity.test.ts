import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import type { Knex } from 'knex';
import supertest from 'supertest';
import { isMysql } from '../src/store/dialect.js';
import { migrationSource } from '../src/store/migrations/index.js';
import type { Tables } from '../src/store/tables.js';
import { backends, migratedPlugin } from './support/backends.js';
import { jobRequest, send, update } from './support/factories.js';
import { rollBackThrough } from './support/migrations.js';

type Http = ReturnType<typeof supertest>;

function httpOf(plugin: Awaited<ReturnType<typeof migratedPlugin>>['plugin']): Http {
  const app = express();
  app.use('/api/v1', plugin.router);
  return supertest(app);
}

/** Collation of every text column of the plugin's tables (MySQL/MariaDB), as `table.column → collation`. */
async function collations(knex: Knex, t: Tables): Promise<Record<string, string>> {
  const [rows] = await knex.raw('SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) AND COLLATION_NAME IS NOT NULL ORDER BY TABLE_NAME, COLUMN_NAME', [[t.jobs, t.snapshots, t.machines]]);
  return Object.fromEntries((rows as { t: string; c: string; k: string }[]).map((r) => [`${r.t.slice(t.prefix.length)}.${r.c}`, r.k]));
}

/** Two jobs whose ids differ only in case, on two VMs whose names differ only in case and a trailing space. */
async function registerLookalikes(http: Http): Promise<void> {
  const first = await http.post('/api/v1/backups').send(jobRequest({ id: 'CaseJob', vm_name: 'case-vm', machine: { cpu_count: 2, os: 'lower' } })).expect(201);
  assert.equal(first.body.backup_id, 'CaseJob');
  const second = await http.post('/api/v1/backups').send(jobRequest({ id: 'casejob', vm_name: 'CASE-VM ', machine: { cpu_count: 8, os: 'upper' } })).expect(201);
  assert.equal(second.body.backup_id, 'casejob');
  assert.equal(second.body.vm_name, 'CASE-VM ');
}

/** Each lookalike reaches its own job and its own machine. */
async function assertApart(http: Http): Promise<void> {
  await send(http, 'casejob', update({ bytes_transferred: 111 })).expect(200);
  await send(http, 'CaseJob', update({ bytes_transferred: 222 })).expect(200);
  assert.equal((await http.get('/api/v1/backups/casejob').expect(200)).body.bytes_transferred, 111);
  assert.equal((await http.get('/api/v1/backups/CaseJob').expect(200)).body.bytes_transferred, 222);
  assert.equal((await http.get('/api/v1/telemetry/history/casejob').expect(200)).body.current_state.bytes_transferred, 111);
  const lower = (await http.get('/api/v1/machines/case-vm').expect(200)).body;
  const upper = (await http.get(`/api/v1/machines/${encodeURIComponent('CASE-VM ')}`).expect(200)).body;
  assert.deepEqual([lower.vm_name, lower.os, lower.cpu_count, lower.last_job.backup_id], ['case-vm', 'lower', 2, 'CaseJob']);
  assert.deepEqual([upper.vm_name, upper.os, upper.cpu_count, upper.last_job.backup_id], ['CASE-VM ', 'upper', 8, 'casejob']);
  const listed = (await http.get('/api/v1/backups').query({ vm_name: 'CASE-VM ' }).expect(200)).body.backups;
  assert.deepEqual(listed.map((j: { backup_id: string }) => j.backup_id), ['casejob']);
  await http.get('/api/v1/machines/case-vm%20').expect(404);
}

for (const backend of backends()) {
  describe(`job ids and VM names compare exactly (${backend.name})`, { skip: backend.skip }, () => {
    it('keeps ids that differ only in case, and VM names that differ in case or a trailing space, apart', async () => {
      const opened = await migratedPlugin(backend);
      try {
        const http = httpOf(opened.plugin);
        await registerLookalikes(http);
        await assertApart(http);
      } finally {
        await opened.dispose();
      }
    });

    it('migrates a 004 database with rows to exact identity, and back', async () => {
      const opened = await migratedPlugin(backend);
      try {
        const { plugin } = opened;
        const { knex, tables } = plugin.store;
        const config = { migrationSource: migrationSource(tables), tableName: tables.migrations };
        const http = httpOf(plugin);
        const fresh = isMysql(knex) ? await collations(knex, tables) : {};

        // Registered and updated first: registering writes the machine summaries of migration 007, and every
        // update the job columns of migration 010, which the rollback drops (this code needs them).
        await http.post('/api/v1/backups').send(jobRequest({ id: 'old-job', vm_name: 'old-vm', repository_id: 'Repo ' })).expect(201);
        await send(http, 'old-job', update({ bytes_transferred: 42 })).expect(200);
        await rollBackThrough(knex, config, '005_exact_identity');
        const before = isMysql(knex) ? await collations(knex, tables) : {};

        await knex.migrate.latest(config);
        if (isMysql(knex)) {
          assert.deepEqual(await collations(knex, tables), fresh, 'a migrated database ends up as a fresh one');
          for (const column of ['backup_jobs.id', 'backup_jobs.vm_name', 'backup_jobs.repository_id', 'job_telemetry_snapshots.job_id', 'backup_machines.vm_name']) {
            assert.match(fresh[column], /^utf8mb4_(nopad_bin|0900_bin)$/, column);
          }
        }
        const kept = (await http.get('/api/v1/backups/old-job').expect(200)).body;
        assert.deepEqual([kept.vm_name, kept.repository_id, kept.bytes_transferred], ['old-vm', 'Repo ', 42]);
        assert.equal((await http.get('/api/v1/telemetry/history/old-job').expect(200)).body.chart_data.length, 1);
        await registerLookalikes(http);
        await assertApart(http);

        // Rolled back, lookalikes would merge: the rollback refuses and says why, keeping every row.
        await assert.rejects(rollBackThrough(knex, config, '005_exact_identity'), isMysql(knex) ? /differ only in letter case or trailing spaces/ : () => false).catch((error) => {
          if (isMysql(knex)) throw error;
        });
        if (isMysql(knex)) {
          await http.get('/api/v1/backups/casejob').expect(200);
          await knex(tables.jobs).whereIn('id', ['casejob', 'CaseJob']).delete();
          await knex(tables.snapshots).whereIn('job_id', ['casejob', 'CaseJob']).delete();
          await knex(tables.machines).whereIn('vm_name', ['case-vm', 'CASE-VM ']).delete();
          await rollBackThrough(knex, config, '005_exact_identity');
          assert.deepEqual(await collations(knex, tables), before, 'rolled back to the default collation');
        }
        assert.equal((await http.get('/api/v1/backups/old-job').expect(200)).body.bytes_transferred, 42);
        await knex.migrate.latest(config);
      } finally {
        await opened.dispose();
      }
    });
  });
}
