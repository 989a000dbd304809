import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobLogResponse } from '@backup-telemetry/contract';
import { createReporter, registerJob, type ReporterOptions } from '../src/index.js';
import { jobId, startHub, type TestHub } from './support/hub.js';

const fast = { retry: { initialDelayMs: 50, maxDelayMs: 400 }, endTimeoutMs: 8000, closeTimeoutMs: 1000 } satisfies Partial<ReporterOptions>;

async function logOf(hub: TestHub, id: string): Promise<JobLogResponse> {
  const res = await fetch(`${hub.url}/api/v1/backups/${id}/log?limit=500`);
  assert.equal(res.status, 200);
  return (await res.json()) as JobLogResponse;
}

describe('reporter.log() against a real hub (SQLite)', () => {
  let hub: TestHub;
  before(async () => { hub = await startHub(); });
  after(async () => { await hub.close(); });

  for (const transport of ['http', 'socket'] as const) {
    it(`sends log lines with the next updates, ten at most per update, and every line before the end (${transport})`, async () => {
      const id = jobId('log');
      await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'incremental' });
      const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport, ...fast, intervalMs: 60_000 });
      reporter.log('info', 'opening repository');
      reporter.report({ current_phase: 'scanning', bytes_transferred: 0, total_bytes: 100 });
      reporter.log('warning', 'open /srv/a.db: permission denied');
      reporter.log('debug' as never, 'not a level');
      for (let i = 0; i < 24; i++) reporter.log('error', `read error ${i}`);
      const result = await reporter.complete({ warnings_count: 25, bytes_transferred: 100 });
      await reporter.close();
      assert.equal(result.applied, true);

      const log = await logOf(hub, id);
      const client = log.entries.filter((e) => e.source === 'client');
      assert.deepEqual(client.map((e) => e.message), ['opening repository', 'open /srv/a.db: permission denied', ...Array.from({ length: 24 }, (_, i) => `read error ${i}`)]);
      assert.deepEqual(client.slice(0, 2).map((e) => e.level), ['info', 'warning']);
      assert.equal(log.entries.at(-1)!.message, 'Completed with 25 warnings', 'the lines went before the end');
      const job = await hub.job(id);
      assert.equal(job.warnings_count, 25);
    });
  }

  it('sends a line logged between reports once the interval is up, and each line only once', async () => {
    const id = jobId('log');
    await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full' });
    const reporter = createReporter({ hubUrl: hub.url, jobId: id, transport: 'http', ...fast, intervalMs: 300 });
    reporter.report({ current_phase: 'transferring', bytes_transferred: 1, total_bytes: 100 });
    reporter.log('info', 'half way there');
    await new Promise((resolve) => setTimeout(resolve, 700));
    const lines = (await logOf(hub, id)).entries.filter((e) => e.source === 'client').map((e) => e.message);
    assert.deepEqual(lines, ['half way there']);
    reporter.report({ current_phase: 'transferring', bytes_transferred: 2, total_bytes: 100, log: [{ level: 'info', message: 'given with a report' }] });
    reporter.report({ current_phase: 'finalizing', bytes_transferred: 100, total_bytes: 100 });
    await reporter.complete();
    await reporter.close();
    assert.deepEqual((await logOf(hub, id)).entries.filter((e) => e.source === 'client').map((e) => e.message), ['half way there', 'given with a report'], 'a report\'s lines are sent once, not with every later update');
  });
});
