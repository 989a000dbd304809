import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import type { PerformanceMetrics } from '@backup-telemetry/contract';
import type { TelemetryPlugin } from '../src/index.js';
import { backends, migratedPlugin, uniquePrefix, type Backend } from './support/backends.js';
import { registerJob } from './support/factories.js';

/**
 * The hub keeps each running job's rollup up to date as it stores the job's snapshots, so that the
 * job's end does not read them back. That shortcut must never change the result: after a restart,
 * or when several instances share a job, the end reads the snapshots and must roll up the same.
 */

const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);
const UPDATES = 60;
let clock = T0;

type Mode = 'one instance' | 'restart mid-job' | 'two instances alternating';

interface Run {
  metrics: PerformanceMetrics;
  snapshotsLeft: number;
}

/**
 * One job of 60 updates (a scan phase, then a copy at varying speed) ended by a completed update,
 * ingested as `mode` says. `tamper` runs just before the end, with the store of the ending hub.
 */
async function runJob(backend: Backend, mode: Mode, tamper?: (plugin: TelemetryPlugin, jobId: string) => Promise<void>): Promise<Run> {
  clock = T0;
  const url = backend.url();
  const shared = { databaseUrl: url, tablePrefix: uniquePrefix(), now: () => clock, ingestLanes: 1 };
  const open = () => migratedPlugin(backend, shared);
  let a = await open();
  let b = mode === 'two instances alternating' ? await open() : null;
  const closeKeeping = async (hub: Awaited<ReturnType<typeof open>>) => hub.dispose({ keepTables: true });
  let last = a;
  try {
    const app = express();
    app.use('/api/v1', a.plugin.router);
    const id = await registerJob(supertest(app), { disks: [] });
    for (let i = 1; i <= UPDATES; i++) {
      if (mode === 'restart mid-job' && i === UPDATES / 2 + 1) {
        await closeKeeping(a);
        a = await open();
      }
      const hub = b && i % 2 === 0 ? b : a;
      clock = T0 + i * 1000;
      const body = {
        status: 'running', current_phase: i <= 10 ? 'scan' : 'copy', transfer_speed_bps: 1000 + ((i * 37) % 11) * 100,
        bytes_transferred: i * 1000, total_bytes: 100_000, timestamp: clock,
      };
      assert.deepEqual(await hub.plugin.ingest.submit('backup', id, body), { applied: true, job_id: id });
    }
    // Alternating, the end goes to the instance that stored the first snapshot: it holds a rollup of half of them.
    last = a;
    await tamper?.(last.plugin, id);
    clock = T0 + (UPDATES + 1) * 1000;
    await last.plugin.ingest.submit('backup', id, { status: 'completed', bytes_transferred: (UPDATES + 1) * 1000, timestamp: clock });
    const { knex, tables } = last.plugin.store;
    const row = await last.plugin.store.jobs.findJob(knex, id);
    const left = await knex(tables.snapshots).where('job_id', id).count<{ n: number }[]>({ n: '*' });
    return { metrics: row!.job.performance_metrics!, snapshotsLeft: Number(left[0]!.n) };
  } finally {
    if (b && b !== last) await closeKeeping(b);
    if (a !== last) await closeKeeping(a);
    await last.dispose();
  }
}

/** Makes every stored snapshot of the job report 9 GB/s: visible in the rollup only if it reads them. */
async function inflateStoredSpeeds(plugin: TelemetryPlugin, jobId: string): Promise<void> {
  const { knex, tables } = plugin.store;
  const changed = await knex(tables.snapshots).where('job_id', jobId).update({ transfer_speed_bps: 9e9 });
  assert.ok(changed > 0);
}

for (const backend of backends()) {
  describe(`a job's end rolls up from the rollup kept while it ran (${backend.name})`, { skip: backend.skip }, () => {
    it('gives the same metrics whether one instance saw the whole job, the hub restarted, or two instances shared it', async () => {
      const reference = await runJob(backend, 'one instance');
      assert.equal(reference.metrics.snapshots_recorded, UPDATES + 1);
      assert.equal(reference.metrics.peak_speed_bps, 2000);
      assert.deepEqual(reference.metrics.phases.map((p) => p.phase), ['scan', 'copy']);
      assert.equal(reference.snapshotsLeft, 0);
      for (const mode of ['restart mid-job', 'two instances alternating'] as const) {
        const got = await runJob(backend, mode);
        assert.deepEqual(got.metrics, reference.metrics, mode);
        assert.equal(got.snapshotsLeft, 0, `${mode}: the snapshots are deleted`);
      }
    });

    it('does not read the snapshots back when its rollup holds all of them, and does after a restart', async () => {
      const reference = await runJob(backend, 'one instance');
      const fromMemory = await runJob(backend, 'one instance', inflateStoredSpeeds);
      assert.deepEqual(fromMemory.metrics, reference.metrics, 'the stored rows were not read');
      assert.equal(fromMemory.snapshotsLeft, 0, 'yet they were deleted in the ending commit');
      const afterRestart = await runJob(backend, 'restart mid-job', inflateStoredSpeeds);
      assert.equal(afterRestart.metrics.peak_speed_bps, 9e9, 'after a restart the end reads the stored rows');
      assert.equal(afterRestart.snapshotsLeft, 0);
    });
  });
}
