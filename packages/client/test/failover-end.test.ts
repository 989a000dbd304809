import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReporter, registerJob, type ReporterOptions } from '../src/index.js';
import { GIB, jobId, startHub, type TestHub } from './support/hub.js';

const fast = { retry: { initialDelayMs: 50, maxDelayMs: 400 }, endTimeoutMs: 8000, closeTimeoutMs: 1000, connectTimeoutMs: 2000 } satisfies Partial<ReporterOptions>;

describe('an agent that restarts on a host whose clock is behind (SQLite hub)', () => {
  let hub: TestHub;
  before(async () => { hub = await startHub(); });
  after(async () => { await hub.close(); });

  for (const transport of ['http', 'socket'] as const) {
    it(`ends the job when the new reporter's completion is stamped before the old one's progress (${transport})`, async () => {
      const id = jobId('failover');
      await registerJob(hub.url, { id, vm_name: `vm-${id}`, repository_id: 'repo-1', backup_type: 'full', disks: [{ disk_index: 0, total_bytes: GIB }] });
      const first = createReporter({ hubUrl: hub.url, jobId: id, transport, ...fast });
      first.report({ current_phase: 'transferring', disks: [{ disk_index: 0, bytes_transferred: GIB / 2 }] });
      assert.equal(await first.flush(5000), true);
      await first.close();

      // The job resumes on a host whose clock is 1.5 s behind the first one's (or after an NTP step back).
      const second = createReporter({ hubUrl: hub.url, jobId: id, transport, now: () => Date.now() - 1500, ...fast });
      const result = await second.complete({ disks: [{ disk_index: 0, bytes_transferred: GIB }] });
      await second.close();
      assert.deepEqual(result, { status: 'completed', applied: true, transport });
      const job = await hub.job(id);
      assert.equal(job.status, 'completed', 'the acknowledged completion is not lost');
      assert.ok(job.performance_metrics, 'the job is rolled up');
    });
  }
});
