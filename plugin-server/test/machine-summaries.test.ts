import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import type { Knex } from 'knex';
import { summarizeByMachine, type SummarizedJob } from '../src/fleet/summary.js';
import { migrationSource } from '../src/store/migrations/index.js';
import type { Store } from '../src/store/index.js';
import { backends, migratedPlugin, uniquePrefix, type Backend } from './support/backends.js';
import { registerJob } from './support/factories.js';
import { rollBackThrough } from './support/migrations.js';

const T0 = Date.UTC(2026, 11, 1, 2, 0, 0);
const HOUR = 3_600_000;

/** Plugins on one database and prefix (several hub instances), on a clock the test moves. */
async function instances(backend: Backend, count: number) {
  let clock = T0;
  const shared = { databaseUrl: backend.url(), tablePrefix: uniquePrefix(), now: () => clock, staleWarnAfterSeconds: 60, staleFailAfterSeconds: 300 };
  const hubs: Awaited<ReturnType<typeof migratedPlugin>>[] = [];
  for (let i = 0; i < count; i++) hubs.push(await migratedPlugin(backend, shared));
  const app = express();
  app.use('/api/v1', hubs[0]!.plugin.router);
  return {
    hubs: hubs.map((h) => h.plugin),
    http: supertest(app),
    store: hubs[0]!.plugin.store,
    advance(ms: number) { clock += ms; return clock; },
    now: () => clock,
    async close() {
      for (const h of hubs.slice(1)) await h.dispose({ keepTables: true });
      await hubs[0]!.dispose();
    },
  };
}

async function storedSummaries(store: Store) {
  const { knex, tables } = store;
  // mysql2 returns BIGINT sums as strings on some servers: numbers compare as numbers.
  // The at-risk sweep's state (migration 008) is not part of what summarize() computes.
  const numeric = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('protection_')).map(([k, v]) => [k, typeof v === 'string' && /_(at|count|sum|bytes|failures)$/.test(k) ? Number(v) : v])));
  return {
    machines: numeric(await knex(tables.machineSummaries).orderBy('vm_name')),
    repositories: numeric(await knex(tables.repositorySummaries).orderBy(['vm_name', 'repository_id'])),
  };
}

/** The summaries recomputed from every stored job: what the incremental updates must equal. */
async function recomputed(store: Store) {
  const rows = await store.knex(store.tables.jobs).select('id', 'job_type', 'vm_name', 'repository_id', 'status', 'created_at', 'started_at', 'completed_at', 'bytes_transferred', 'error_message', 'warnings_count');
  const jobs: SummarizedJob[] = rows.map((r: Record<string, unknown>) => ({
    id: String(r.id), job_type: r.job_type as SummarizedJob['job_type'], vm_name: String(r.vm_name), repository_id: String(r.repository_id), status: r.status as SummarizedJob['status'],
    created_at: Number(r.created_at), started_at: r.started_at === null ? null : Number(r.started_at), completed_at: r.completed_at === null ? null : Number(r.completed_at),
    bytes_transferred: Number(r.bytes_transferred), error_message: r.status === 'failed' ? (r.error_message as string | null) : null,
    warnings_count: Number(r.warnings_count),
  }));
  const { machines, repositories } = summarizeByMachine(jobs);
  const key = (r: { vm_name: string; repository_id?: string }) => `${r.vm_name}\0${r.repository_id ?? ''}`;
  const byKey = (a: { vm_name: string; repository_id?: string }, b: { vm_name: string; repository_id?: string }) => (key(a) < key(b) ? -1 : 1);
  return { machines: [...machines].sort(byKey), repositories: [...repositories].sort(byKey) };
}

/** The stats `GET /backups/stats` answered before the summaries: the same aggregates over `backup_jobs`. */
async function statsFromJobs(knex: Knex, table: string, filter: { vm_name?: string; repository_id?: string }) {
  const scoped = () => {
    const q = knex(table);
    if (filter.vm_name !== undefined) q.where('vm_name', filter.vm_name);
    if (filter.repository_id !== undefined) q.where('repository_id', filter.repository_id);
    return q;
  };
  const by_status: Record<string, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  const counted = (await scoped().select('status').count({ n: '*' }).groupBy('status')) as { status: string; n: unknown }[];
  for (const r of counted) by_status[r.status] = Number(r.n);
  const completed = await scoped().where('status', 'completed').avg({ size: 'bytes_transferred' }).avg({ duration: knex.raw('completed_at - COALESCE(started_at, created_at)') }).first();
  const last = await scoped().max({ last: knex.raw('COALESCE(started_at, created_at)') }).first();
  const warned = await scoped().where('status', 'completed').where('warnings_count', '>', 0).count({ n: '*' }).first();
  const ended = by_status.completed! + by_status.failed! + by_status.cancelled!;
  return {
    vm_name: filter.vm_name ?? null,
    repository_id: filter.repository_id ?? null,
    total: Object.values(by_status).reduce((a, b) => a + b, 0),
    by_status,
    completed_with_warnings: Number(warned?.n ?? 0),
    success_rate_percent: ended > 0 ? Math.round((by_status.completed! / ended) * 1000) / 10 : null,
    avg_size_bytes: completed?.size == null ? null : Math.round(Number(completed.size)),
    avg_duration_seconds: completed?.duration == null ? null : Math.round(Number(completed.duration) / 1000),
    last_backup_at: last?.last == null ? null : new Date(Number(last.last)).toISOString(),
  };
}

for (const backend of backends()) {
  describe(`machine summaries on ${backend.name}`, { skip: backend.skip }, () => {
    it('count registrations, successes, failures, cancels and stalls as they happen, with the last of each', async () => {
      const t = await instances(backend, 1);
      const [hub] = t.hubs;
      try {
        const vm = 'sum-vm';
        const run = async (status: 'completed' | 'failed' | 'cancelled', body: Record<string, unknown> = {}, repository_id = 'repo-a') => {
          const id = await registerJob(t.http, { vm_name: vm, repository_id, disks: [] });
          t.advance(60_000);
          await hub!.ingest.submit('backup', id, { status: 'running', bytes_transferred: 100 });
          t.advance(60_000);
          await hub!.ingest.submit('backup', id, { status, bytes_transferred: 1000, ...body });
          t.advance(60_000);
          return id;
        };
        const first = await run('completed');
        let s = (await t.store.summaries.ofMachine(t.store.knex, vm))!;
        assert.equal(s.first_seen_at, T0);
        assert.deepEqual([s.completed_count, s.completed_bytes_sum, s.completed_duration_ms_sum], [1, 1000, 120_000]);
        assert.deepEqual([s.last_success_job_id, s.last_success_at, s.last_success_bytes], [first, T0 + 120_000, 1000]);

        const f1 = await run('failed', { error: 'NBD connection reset by peer' });
        await run('failed', { error: 'disk full' }, 'repo-b');
        const cancelled = await run('cancelled');
        s = (await t.store.summaries.ofMachine(t.store.knex, vm))!;
        assert.deepEqual([s.failed_count, s.cancelled_count, s.consecutive_failures], [2, 1, 2], 'a cancel neither counts as a failure nor resets the run');
        assert.equal(s.last_failure_error, 'disk full');
        assert.deepEqual([s.last_ended_job_id, s.last_ended_status], [cancelled, 'cancelled']);
        const repoA = (await t.store.summaries.ofRepositories(t.store.knex, vm)).find((r) => r.repository_id === 'repo-a')!;
        assert.deepEqual([repoA.failed_count, repoA.consecutive_failures, repoA.last_failure_job_id], [1, 1, f1]);

        // A registered job is the VM's last job at once; a job that goes silent fails through the stale detector.
        const stalled = await registerJob(t.http, { vm_name: vm, repository_id: 'repo-a', disks: [] });
        s = (await t.store.summaries.ofMachine(t.store.knex, vm))!;
        assert.equal(s.last_job_id, stalled);
        t.advance(10 * 60_000);
        assert.deepEqual((await hub!.stale.checkOnce()).failed, [stalled]);
        s = (await t.store.summaries.ofMachine(t.store.knex, vm))!;
        assert.deepEqual([s.failed_count, s.consecutive_failures, s.last_failure_job_id, s.last_ended_status], [3, 3, stalled, 'failed']);
        assert.match(s.last_failure_error!, /^Job stalled/);

        const last = await run('completed');
        s = (await t.store.summaries.ofMachine(t.store.knex, vm))!;
        assert.deepEqual([s.completed_count, s.consecutive_failures, s.last_success_job_id, s.last_job_id], [2, 0, last, last]);
        assert.deepEqual(await storedSummaries(t.store), await recomputed(t.store));
      } finally {
        await t.close();
      }
    });

    it('recounts the failures after a success that ends after a later failure was recorded', async () => {
      const t = await instances(backend, 1);
      const [hub] = t.hubs;
      try {
        const success = await registerJob(t.http, { vm_name: 'late-vm', disks: [] });
        const failure = await registerJob(t.http, { vm_name: 'late-vm', disks: [] });
        await hub!.ingest.submit('backup', success, { status: 'running', timestamp: t.advance(1000) });
        await hub!.ingest.submit('backup', failure, { status: 'failed', error: 'boom', timestamp: t.advance(10_000) });
        const failedAt = t.now();
        // The success was measured before the failure but reaches the hub after it (its agent was queueing).
        t.advance(60_000);
        await hub!.ingest.submit('backup', success, { status: 'completed', timestamp: failedAt - 5000 });
        const s = (await t.store.summaries.ofMachine(t.store.knex, 'late-vm'))!;
        assert.equal(s.last_success_at, failedAt - 5000);
        assert.equal(s.consecutive_failures, 1, 'the failure ended after the newest success');
        assert.deepEqual([s.last_ended_job_id, s.last_ended_status], [failure, 'failed']);
        assert.deepEqual(await storedSummaries(t.store), await recomputed(t.store));
      } finally {
        await t.close();
      }
    });

    it('stay exact when two instances end jobs of the same VMs at once', async () => {
      const t = await instances(backend, 2);
      try {
        const ids: string[] = [];
        for (let i = 0; i < 40; i++) ids.push(await registerJob(t.http, { vm_name: `race-${i % 2}`, repository_id: `repo-${i % 3}`, disks: [] }));
        await Promise.all(ids.map((id, i) => t.hubs[i % t.hubs.length]!.ingest.submit('backup', id, { status: 'running', bytes_transferred: i, timestamp: T0 + 1000 })));
        const outcomes = ['completed', 'failed', 'completed', 'cancelled', 'failed'] as const;
        // Ends stamped out of order, so some successes land before failures that are already recorded.
        await Promise.all(ids.map((id, i) => t.hubs[(i + 1) % t.hubs.length]!.ingest.submit('backup', id, {
          status: outcomes[i % outcomes.length], bytes_transferred: 1000 + i, timestamp: T0 + 2000 + ((i * 7) % 13), ...(i % 5 === 1 || i % 5 === 4 ? { error: `error ${i}` } : {}),
        })));
        const stored = await storedSummaries(t.store);
        assert.equal(stored.machines.length, 2);
        assert.deepEqual(stored, await recomputed(t.store));
      } finally {
        await t.close();
      }
    });

    it('answer GET /backups/stats as the aggregates over backup_jobs did, for the fleet, a VM, a repository and both', async () => {
      const t = await instances(backend, 1);
      const [hub] = t.hubs;
      try {
        for (let i = 0; i < 12; i++) {
          const id = await registerJob(t.http, { vm_name: `stats-${i % 3}`, repository_id: `repo-${i % 2}`, disks: [] });
          t.advance(7_000 + i * 1000);
          if (i % 6 === 5) continue; // still pending
          await hub!.ingest.submit('backup', id, { status: 'running', bytes_transferred: 10 * i });
          t.advance(3_000 * i);
          if (i % 6 === 4) continue; // still running
          // Every third job reports warnings: counted apart only where it completed.
          await hub!.ingest.submit('backup', id, { status: (['completed', 'failed', 'completed', 'cancelled'] as const)[i % 4], bytes_transferred: 1000 * i + 7, warnings_count: i % 3 === 0 ? i : 0 });
        }
        for (const filter of [{}, { vm_name: 'stats-1' }, { repository_id: 'repo-0' }, { vm_name: 'stats-2', repository_id: 'repo-1' }, { vm_name: 'nobody' }]) {
          const got = (await t.http.get('/api/v1/backups/stats').query(filter).expect(200)).body;
          assert.deepEqual(got, await statsFromJobs(t.store.knex, t.store.tables.jobs, filter), JSON.stringify(filter));
        }
      } finally {
        await t.close();
      }
    });

    it('migration 007 builds the summaries of a 006 database batch by batch, and its rollback drops them', async () => {
      const t = await instances(backend, 1);
      const { knex, tables } = t.store;
      const config = { migrationSource: migrationSource(tables), tableName: tables.migrations };
      try {
        const [hub] = t.hubs;
        const failed = await registerJob(t.http, { vm_name: 'old-vm', disks: [] });
        await hub!.ingest.submit('backup', failed, { status: 'failed', error: 'NBD connection reset by peer' });
        await rollBackThrough(knex, config, '007_machine_summaries');
        assert.equal(await knex.schema.hasTable(tables.machineSummaries), false);
        assert.equal(await knex.schema.hasTable(tables.repositorySummaries), false);
        // More VMs than one batch holds, with jobs of every outcome (written as a 006 hub left them).
        const rows = [];
        for (let vm = 0; vm < 230; vm++) {
          for (let j = 0; j < 3; j++) {
            const status = (['completed', 'failed', 'cancelled', 'running'] as const)[(vm + j) % 4];
            const created = T0 + vm * 10 + j * HOUR;
            rows.push({
              id: `m-${vm}-${j}`, vm_name: `vm-${String(vm).padStart(3, '0')}`, repository_id: `r-${j % 2}`, backup_type: 'incremental', status,
              created_at: created, started_at: created, completed_at: status === 'running' ? null : created + 60_000 + j,
              bytes_transferred: vm * 100 + j, error_message: status === 'failed' ? `error of ${vm}` : null,
            });
          }
        }
        for (let i = 0; i < rows.length; i += 200) await knex(tables.jobs).insert(rows.slice(i, i + 200));
        await knex.migrate.latest(config);
        const built = await storedSummaries(t.store);
        assert.equal(built.machines.length, 231);
        assert.deepEqual(built, await recomputed(t.store));
        const old = built.machines.find((m) => m.vm_name === 'old-vm')!;
        assert.deepEqual([old.failed_count, old.consecutive_failures, old.last_failure_error], [1, 1, 'NBD connection reset by peer']);
        // The built summaries take new ends like any others.
        const next = await registerJob(t.http, { vm_name: 'vm-000', repository_id: 'r-0', disks: [] });
        await hub!.ingest.submit('backup', next, { status: 'completed', bytes_transferred: 5 });
        assert.deepEqual(await storedSummaries(t.store), await recomputed(t.store));
      } finally {
        await t.close();
      }
    });
  });
}
