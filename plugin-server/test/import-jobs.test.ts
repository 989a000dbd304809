import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import { TelemetryError, type BackupJob } from '@backup-telemetry/contract';
import type { ImportJob, ImportProgress } from '../src/index.js';
import type { Store } from '../src/store/index.js';
import { backends, migratedPlugin, type Backend } from './support/backends.js';

const DAY = 24 * 3_600_000;
const T0 = Date.UTC(2026, 9, 1, 22, 0, 0);

/** A month of nightly jobs on three VMs in two repositories: successes, failures in a row, a cancel. */
function history(): ImportJob[] {
  const jobs: ImportJob[] = [];
  const vms = [['db-01', 'repo-a'], ['web-02', 'repo-a'], ['file-03', 'repo-b']] as const;
  for (let night = 0; night < 30; night++) {
    vms.forEach(([vm_name, repository_id], v) => {
      const started_at = T0 + night * DAY + v * 7 * 60_000;
      const failing = (v === 0 && night >= 27) || (v === 1 && night % 9 === 4);
      const status = failing ? 'failed' : v === 2 && night === 12 ? 'cancelled' : 'completed';
      jobs.push({
        id: `imp-${vm_name}-${night}`, vm_name, repository_id: night === 20 && v === 2 ? 'repo-c' : repository_id,
        backup_type: night % 7 === 0 ? 'full' : 'incremental', status, started_at,
        completed_at: started_at + (20 + v * 11 + (night % 5)) * 60_000,
        bytes_transferred: 1_000_000 * (v + 1) + night * 4_321,
        ...(status === 'failed' ? { error_message: v === 0 ? 'NBD connection reset by peer' : 'Repository out of space' } : {}),
        machine: { os: 'Debian 12', cpu_count: 2 + v },
      });
    });
  }
  return jobs;
}

/** The summary rows of a store without the at-risk sweep's state, numbers as numbers. */
async function summaryRows(store: Store) {
  const { knex, tables } = store;
  const clean = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r)
    .filter(([k]) => !k.startsWith('protection_'))
    .map(([k, v]) => [k, typeof v === 'string' && /_(at|count|sum|bytes|failures)$/.test(k) ? Number(v) : v])));
  const buckets = await knex(tables.outcomeBuckets).select('*').orderBy(['bucket_start', 'job_type', 'status']);
  return {
    machines: clean(await knex(tables.machineSummaries).orderBy('vm_name')),
    repositories: clean(await knex(tables.repositorySummaries).orderBy(['vm_name', 'repository_id'])),
    buckets: clean(buckets).map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, typeof v === 'string' && k !== 'job_type' && k !== 'status' ? Number(v) : v]))),
  };
}

/** A plugin on a clock the test sets, behind supertest. */
async function hubOn(backend: Backend, startMs: number) {
  let clock = startMs;
  const hub = await migratedPlugin(backend, { now: () => clock });
  const app = express();
  app.use('/api/v1', hub.plugin.router);
  return { ...hub, http: supertest(app), set: (ms: number) => { clock = ms; } };
}

/** The same jobs the way a backup client reports them: registered when they start, ended when they end. */
async function throughTheApi(hub: Awaited<ReturnType<typeof hubOn>>, jobs: ImportJob[]) {
  const events = jobs.flatMap((job) => [{ at: job.started_at, job, end: false }, { at: job.completed_at, job, end: true }])
    .sort((a, b) => a.at - b.at || Number(a.end) - Number(b.end));
  for (const { at, job, end } of events) {
    hub.set(at);
    if (!end) {
      await hub.http.post('/api/v1/backups').send({ id: job.id, vm_name: job.vm_name, repository_id: job.repository_id, backup_type: job.backup_type, machine: job.machine }).expect(201);
    } else {
      await hub.plugin.ingest.submit('backup', job.id!, { status: job.status, bytes_transferred: job.bytes_transferred, ...(job.error_message ? { error: job.error_message } : {}) });
    }
  }
}

const stats = async (hub: Awaited<ReturnType<typeof hubOn>>, query = '') => (await hub.http.get(`/api/v1/backups/stats${query}`).expect(200)).body;
const countJobs = async (store: Store) => Number((await store.knex(store.tables.jobs).count({ n: '*' }).first())?.n ?? 0);

for (const backend of backends()) {
  describe(`importing job history on ${backend.name}`, { skip: backend.skip }, () => {
    it('gives the stats and summaries the same jobs registered and ended through the API give', async () => {
      const jobs = history();
      const now = T0 + 31 * DAY;
      const api = await hubOn(backend, T0);
      const imported = await hubOn(backend, now);
      try {
        await throughTheApi(api, jobs);
        api.set(now);
        const progress: ImportProgress[] = [];
        // Batches of 7 jobs: summaries of one VM span several transactions.
        assert.deepEqual(await imported.plugin.importJobs(jobs, { batchSize: 7, onProgress: (p) => progress.push(p) }), { imported: jobs.length, skipped: 0 });
        assert.equal(progress.length, Math.ceil(jobs.length / 7));
        assert.deepEqual(progress.at(-1), { done: jobs.length, total: jobs.length, imported: jobs.length, skipped: 0 });

        for (const query of ['', '?vm_name=db-01', '?vm_name=web-02', '?vm_name=file-03&repository_id=repo-c', '?repository_id=repo-a']) {
          assert.deepEqual(await stats(imported, query), await stats(api, query), `GET /backups/stats${query}`);
        }
        assert.deepEqual(await summaryRows(imported.plugin.store), await summaryRows(api.plugin.store));
        const fleet = await stats(imported);
        assert.deepEqual([fleet.total, fleet.by_status.failed, fleet.by_status.cancelled], [90, 6, 1]);

        const summary = (await imported.plugin.store.summaries.ofMachine(imported.plugin.store.knex, 'db-01'))!;
        assert.equal(summary.consecutive_failures, 3);
        assert.equal(summary.last_failure_error, 'NBD connection reset by peer');

        const job = (await imported.http.get('/api/v1/backups/imp-web-02-4').expect(200)).body as BackupJob;
        assert.deepEqual([job.status, job.error_message, job.started_at, job.vm_name], ['failed', 'Repository out of space', new Date(T0 + 4 * DAY + 7 * 60_000).toISOString(), 'web-02']);
        const machine = (await imported.http.get('/api/v1/machines/file-03').expect(200)).body;
        assert.deepEqual([machine.os, machine.cpu_count, machine.last_job.backup_id], ['Debian 12', 4, 'imp-file-03-29']);
      } finally {
        await api.dispose();
        await imported.dispose();
      }
    });

    it('skips jobs whose id exists, so an import can be run again', async () => {
      const hub = await hubOn(backend, T0 + 31 * DAY);
      try {
        const jobs = history();
        await hub.plugin.importJobs(jobs.slice(0, 40));
        const before = await summaryRows(hub.plugin.store);
        await hub.plugin.importJobs(jobs.slice(0, 40));
        assert.deepEqual(await summaryRows(hub.plugin.store), before, 'a re-run changes no summary');
        assert.deepEqual(await hub.plugin.importJobs(jobs), { imported: 50, skipped: 40 });
        assert.equal(await countJobs(hub.plugin.store), 90);
        const dup = { ...jobs[0]!, id: 'twice' };
        assert.deepEqual(await hub.plugin.importJobs([dup, dup]), { imported: 1, skipped: 1 });
      } finally {
        await hub.dispose();
      }
    });

    it('refuses a bad job with a 400 naming it, and writes nothing of the import', async () => {
      const hub = await hubOn(backend, T0 + 31 * DAY);
      try {
        const jobs: unknown[] = history().slice(0, 10);
        const cases: [Record<string, unknown>, string][] = [
          [{ completed_at: T0 - 1 }, 'jobs[3].completed_at'],
          [{ status: 'running' }, 'jobs[3].status'],
          [{ vm_name: 'evil\u202Eexe.vm' }, 'jobs[3].vm_name'],
          [{ id: 'not an id' }, 'jobs[3].id'],
          [{ bytes_transferred: -1 }, 'jobs[3].bytes_transferred'],
          [{ started_at: undefined }, 'jobs[3].started_at'],
          [{ machine: { cpu_count: 'four' } }, 'jobs[3].machine.cpu_count'],
          [{ completed_at: T0 + 40 * DAY }, 'jobs[3].completed_at'],
          [{ performance_metrics: { chart_data: [{ t: 0, s: 'fast', p: 0, phase: 'transferring' }], phases: [] } }, 'jobs[3].performance_metrics.chart_data[0].s'],
        ];
        for (const [change, field] of cases) {
          const bad = [...jobs];
          bad[3] = { ...(jobs[3] as object), ...change };
          await assert.rejects(hub.plugin.importJobs(bad), (error: unknown) => {
            assert.ok(error instanceof TelemetryError, String(error));
            assert.deepEqual([error.status, error.code, error.field], [400, 'invalid_field', field]);
            assert.ok(error.message.startsWith(field), error.message);
            return true;
          });
        }
        assert.equal(await countJobs(hub.plugin.store), 0);
        assert.deepEqual((await summaryRows(hub.plugin.store)).machines, []);
        assert.equal((await hub.http.get('/api/v1/machines').expect(200)).body.machines.length, 0);
      } finally {
        await hub.dispose();
      }
    });
  });
}
