import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createReporter, registerJob, type Reporter } from '@backup-telemetry/client';
import type { BackupJob, HistoryResponse } from '@backup-telemetry/contract';
import { freePort, getJson, requireBuilt, startHub, tempDir, type HubProcess } from './support/processes.js';

/**
 * The example hub process dies (SIGKILL, no goodbye) while jobs are running and comes back on the same
 * port and database a few seconds later. Clients on both transports keep reporting through the outage;
 * every milestone they crossed meanwhile and the end of each job reach the hub once it is back.
 */

const TOTAL = 10 * 1024 ** 3;
const atPercent = (p: number) => Math.round((TOTAL * p) / 100);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a hub that goes away and comes back', () => {
  let hub: HubProcess;
  let db: ReturnType<typeof tempDir>;
  let port: number;
  let env: Record<string, string>;

  before(async () => {
    requireBuilt();
    db = tempDir('bt-outage-');
    port = await freePort();
    // Every applied update stores a snapshot, so the rolled-up chart shows each milestone that arrived.
    env = { DATABASE_URL: `sqlite:${join(db.dir, 'telemetry.sqlite')}`, TELEMETRY_SNAPSHOT_INTERVAL_SECONDS: '0', LOG_LEVEL: 'warn' };
    hub = await startHub(env, port);
  });

  after(async () => {
    await hub?.stop('SIGTERM');
    db?.remove();
  });

  it('loses no milestone and no job end, over the socket and over HTTP', async () => {
    const reporters: { transport: 'socket' | 'http'; jobId: string; reporter: Reporter }[] = [];
    for (const transport of ['socket', 'http'] as const) {
      const jobId = `outage-${transport}-${Date.now().toString(36)}`;
      await registerJob(hub.url, { id: jobId, vm_name: `outage-${transport}`, repository_id: 'repo-main', backup_type: 'full', disks: [{ disk_index: 0, total_bytes: TOTAL }] });
      const reporter = createReporter({
        hubUrl: hub.url, jobId, transport, fallbackToHttp: false,
        retry: { initialDelayMs: 200, maxDelayMs: 1000 }, endTimeoutMs: 30_000,
      });
      reporters.push({ transport, jobId, reporter });
    }
    const reportAll = (percent: number) => {
      for (const { reporter } of reporters) reporter.report({ current_phase: 'transferring', disks: [{ disk_index: 0, bytes_transferred: atPercent(percent), total_bytes: TOTAL }] });
    };

    for (let p = 0; p <= 30; p += 1) { reportAll(p); await sleep(10); }
    for (const { reporter, transport } of reporters) assert.equal(await reporter.flush(5000), true, `${transport}: delivered before the outage`);

    assert.equal(await hub.stop('SIGKILL'), null, 'the hub was killed');
    for (let p = 31; p <= 75; p += 1) { reportAll(p); await sleep(20); }
    const ends = reporters.map(({ reporter }) => reporter.complete({ current_phase: 'finalizing' }));
    await sleep(2500);
    for (const { reporter, transport } of reporters) {
      assert.ok(reporter.stats().queued >= 5, `${transport}: milestones 40–70 and the end wait in the queue (${JSON.stringify(reporter.stats())})`);
    }

    hub = await startHub(env, port);
    const results = await Promise.all(ends);
    for (const [i, result] of results.entries()) {
      assert.equal(result.status, 'completed');
      assert.equal(result.transport, reporters[i].transport);
    }

    for (const { jobId, transport, reporter } of reporters) {
      await reporter.close();
      assert.equal(reporter.stats().dropped, 0, `${transport}: nothing dropped`);
      const job = await getJson<BackupJob>(`${hub.url}/api/v1/backups/${jobId}`);
      assert.equal(job.status, 'completed', `${transport}: the end arrived`);
      assert.equal(job.bytes_transferred, atPercent(75));
      const history = await getJson<HistoryResponse>(`${hub.url}/api/v1/telemetry/history/${jobId}`);
      assert.equal(history.data_source, 'rolled_up');
      if (history.data_source !== 'rolled_up') return;
      const seen = new Set(history.performance_metrics.chart_data.map((point) => Math.floor(point.p)));
      for (const milestone of [10, 20, 30, 40, 50, 60, 70]) {
        assert.ok(seen.has(milestone), `${transport}: milestone ${milestone} % is in the chart (saw ${[...seen].sort((a, b) => a - b).join(', ')})`);
      }
    }
  });
});
