import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rebuildOutcomeBuckets, rebuildSummaries } from '../src/fleet/rebuild.js';
import { summarizeByMachine, type SummarizedJob } from '../src/fleet/summary.js';
import { migrationSource } from '../src/store/migrations/index.js';
import type { Store } from '../src/store/index.js';
import { backends, migratedPlugin } from './support/backends.js';
import { rollBackThrough } from './support/migrations.js';

// bench/fleet's SQL generator (plain JavaScript, loaded at run time: it has no types).
const generatorUrl = new URL('../../bench/fleet/generate.mjs', import.meta.url).href;
const DAY_MS = 86_400_000;
const VMS = 60;
const JOBS_PER_VM = 40;

async function allJobs(store: Store): Promise<(SummarizedJob & { performance_metrics: unknown })[]> {
  const rows = await store.knex(store.tables.jobs).select('*').orderBy('id');
  return rows.map((r: Record<string, unknown>) => ({
    id: String(r.id), job_type: r.job_type as SummarizedJob['job_type'], vm_name: String(r.vm_name), repository_id: String(r.repository_id), status: r.status as SummarizedJob['status'],
    created_at: Number(r.created_at), started_at: r.started_at === null ? null : Number(r.started_at), completed_at: r.completed_at === null ? null : Number(r.completed_at),
    bytes_transferred: Number(r.bytes_transferred), error_message: (r.error_message as string | null) ?? null,
    warnings_count: Number(r.warnings_count ?? 0),
    performance_metrics: r.performance_metrics,
  }));
}

const byVm = <T extends { vm_name: string }>(rows: T[]) => [...rows].sort((a, b) => (a.vm_name < b.vm_name ? -1 : 1));
const bucketsOf = async (store: Store) => (await store.knex(store.tables.outcomeBuckets).select('*').orderBy(['bucket_start', 'job_type', 'status']))
  .map((r: Record<string, unknown>) => ({ bucket_start: Number(r.bucket_start), job_type: r.job_type, status: r.status, job_count: Number(r.job_count), bytes_sum: Number(r.bytes_sum) }));

for (const backend of backends()) {
  describe(`bench/fleet's generated fleet (${backend.name})`, { skip: backend.skip }, () => {
    it('holds the VMs, nightly jobs and outcomes it claims, and its summaries are those summarize() and migrations 007/008 build', async () => {
      const { generateFleet, vmName } = await import(generatorUrl);
      const { plugin, dispose } = await migratedPlugin(backend);
      try {
        const { store } = plugin;
        const nowMs = Date.now();
        await generateFleet(store.knex, store.tables, { vms: VMS, jobsPerVm: JOBS_PER_VM, nowMs });
        const jobs = await allJobs(store);

        assert.equal(jobs.length, VMS * JOBS_PER_VM);
        assert.equal(new Set(jobs.map((j) => j.vm_name)).size, VMS);
        assert.equal(Number((await store.knex(store.tables.machines).count({ n: '*' }))[0]!.n), VMS, 'one machine row per VM');
        const share = (status: string) => jobs.filter((j) => j.status === status).length / jobs.length;
        assert.ok(share('completed') > 0.84 && share('completed') < 0.93, `completed share ${share('completed')}`);
        assert.ok(share('failed') > 0.05 && share('cancelled') > 0.01, `failed ${share('failed')}, cancelled ${share('cancelled')}`);
        for (const j of jobs) {
          assert.equal(j.status === 'failed', j.error_message !== null, `${j.id}: error text exactly on failures`);
          assert.ok(j.completed_at! > j.started_at! && j.completed_at! <= nowMs, `${j.id} ended in the past, after it started`);
        }
        const newest = (v: number) => Math.max(...jobs.filter((j) => j.vm_name === vmName(v)).map((j) => j.created_at));
        assert.ok(nowMs - newest(0) < DAY_MS && nowMs - newest(1) < DAY_MS, 'a running VM backed up last night');
        assert.ok(nowMs - newest(7) > 4 * DAY_MS && nowMs - newest(57) > 4 * DAY_MS, 'every 50th VM stopped 4 days ago');
        assert.equal(jobs.filter((j) => j.vm_name === vmName(11) && j.status === 'completed').length, 0, 'VM 11 never succeeded');
        const withMetrics = jobs.filter((j) => j.performance_metrics !== null);
        assert.ok(withMetrics.length > 0 && withMetrics.every((j) => j.status === 'completed'));
        const read = await store.jobs.findJob(store.knex, withMetrics[0]!.id);
        assert.equal(read?.job.performance_metrics?.chart_data.length, 4, 'the metrics JSON reads back as a chart');

        assert.deepEqual(await rebuildSummaries(store.knex, store.tables), { machines: VMS, repositories: VMS });
        const expected = summarizeByMachine(jobs);
        const built = [...(await store.summaries.all(store.knex)).values()];
        assert.deepEqual(byVm(built), byVm(expected.machines));
        await rebuildOutcomeBuckets(store.knex, store.tables, nowMs - 31 * DAY_MS);
        const buckets = await bucketsOf(store);
        const recent = jobs.filter((j) => j.completed_at! >= nowMs - 31 * DAY_MS);
        assert.equal(buckets.reduce((a, b) => a + b.job_count, 0), recent.length);

        // Migrations 007 (its frozen summarizing) and 008 (its backfill) build the very same rows.
        const config = { migrationSource: migrationSource(store.tables), tableName: store.tables.migrations };
        await rollBackThrough(store.knex, config, '007_machine_summaries');
        await store.knex.migrate.latest(config);
        assert.deepEqual(byVm([...(await store.summaries.all(store.knex)).values()]), byVm(built));
        assert.deepEqual(await bucketsOf(store), buckets);
      } finally {
        await dispose();
      }
    });
  });
}
