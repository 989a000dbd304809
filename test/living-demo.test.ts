import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BackupListResponse, BackupStats, Machine } from '@backup-telemetry/contract';
import { selfUrl } from '../examples/hub/src/demo.js';
import { eventually, getJson, requireBuilt, startHub, tempDir } from './support/processes.js';

/**
 * `npm start` on a fresh checkout: the example hub on its embedded default SQLite file
 * (`./data/telemetry.sqlite` where it runs) fills a demo fleet and keeps a few jobs running.
 */

const machines = async (url: string) => (await getJson<{ machines: Machine[] }>(`${url}/api/v1/machines`)).machines;
const statuses = (list: Machine[]) => new Set(list.map((m) => m.protection.status));
// Whatever the test runner's environment says, the hub must see no database URL: the embedded default.
const DEFAULT_DB = { DATABASE_URL: '', TELEMETRY_DEMO: '' };

describe('the living demo on npm start', () => {
  requireBuilt();
  const dirs: ReturnType<typeof tempDir>[] = [];
  after(() => { for (const d of dirs) d.remove(); });

  it('fills an empty embedded database with a demo fleet in every state and keeps jobs running, cancelled on SIGTERM; a database with jobs is left alone', async () => {
    const dir = tempDir('bt-demo-');
    dirs.push(dir);
    const hub = await startHub(DEFAULT_DB, undefined, undefined, dir.dir);
    let exited = false;
    try {
      const fleet = await machines(hub.url);
      assert.equal(fleet.length, 40, 'the demo fleet is there as soon as the hub answers');
      for (const status of ['protected', 'warning', 'at_risk', 'pending', 'unmonitored']) assert.ok(statuses(fleet).has(status as never), `a VM is ${status}`);
      assert.ok(fleet.some((m) => m.protection.consecutive_failures >= 2 && /last \d attempts failed: /.test(m.protection.reason)), 'a VM fails night after night');
      assert.match(hub.output(), /demo: filled 40 VMs with 14 days of history \(\d+ jobs; every protection state\) and keeps 3 jobs running; TELEMETRY_DEMO=off turns it off/);
      assert.doesNotMatch(hub.output(), /the database is empty/);

      const running = await eventually('a demo job to run', async () => {
        const list = (await machines(hub.url)).filter((m) => m.last_job?.status === 'running');
        return list.length ? list : undefined;
      }, 20_000);
      assert.ok(running.every((m) => m.protection.status !== 'at_risk'), 'live jobs run on the healthy VMs, at-risk ones stay at risk');
      const jobId = running[0]!.last_job!.backup_id;
      await eventually('the running job to make progress', async () => {
        const job = await getJson<{ progress_percent: number; status: string }>(`${hub.url}/api/v1/backups/${jobId}`);
        return job.progress_percent > 0 || job.status !== 'running' ? true : undefined;
      }, 30_000);

      const code = await hub.stop('SIGTERM');
      exited = true;
      assert.equal(code, 0, hub.output());
    } finally {
      if (!exited) await hub.stop('SIGKILL');
    }

    // Started again on the same file, which now holds jobs: nothing is added, no job is left running.
    const again = await startHub(DEFAULT_DB, undefined, undefined, dir.dir);
    try {
      const before = await getJson<BackupStats>(`${again.url}/api/v1/backups/stats`);
      assert.equal(before.by_status.running + before.by_status.pending, 0, 'the demo cancelled its jobs on shutdown');
      assert.ok(before.by_status.cancelled >= 1, 'the jobs running at shutdown ended cancelled');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const later = await getJson<BackupStats>(`${again.url}/api/v1/backups/stats`);
      assert.equal(later.total, before.total, 'no demo fill and no live demo on a database that holds jobs');
      assert.doesNotMatch(again.output(), /demo: filled/);
      assert.equal((await machines(again.url)).length, 40);
    } finally {
      assert.equal(await again.stop('SIGTERM'), 0, again.output());
    }
  });

  it('runs its live jobs against the interface the hub listens on', () => {
    assert.equal(selfUrl(undefined, 8082), 'http://127.0.0.1:8082');
    assert.equal(selfUrl('0.0.0.0', 8082), 'http://127.0.0.1:8082');
    assert.equal(selfUrl('10.0.0.5', 9000), 'http://10.0.0.5:9000');
    assert.equal(selfUrl('::1', 9000), 'http://[::1]:9000');
  });

  it('leaves the database empty with TELEMETRY_DEMO=off, and tells how to fill it', async () => {
    const dir = tempDir('bt-demo-off-');
    dirs.push(dir);
    const hub = await startHub({ ...DEFAULT_DB, TELEMETRY_DEMO: 'off' }, undefined, undefined, dir.dir);
    try {
      await eventually('the empty-database advice', async () => (/the database is empty/.test(hub.output()) ? true : undefined), 5000);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.deepEqual(await machines(hub.url), []);
      assert.deepEqual((await getJson<BackupListResponse>(`${hub.url}/api/v1/backups`)).backups, []);
      assert.doesNotMatch(hub.output(), /demo: filled/);
    } finally {
      assert.equal(await hub.stop('SIGTERM'), 0, hub.output());
    }
  });

  it('never fills a database other than the embedded default unless TELEMETRY_DEMO=on', async () => {
    const dir = tempDir('bt-demo-url-');
    dirs.push(dir);
    const url = `sqlite:${join(dir.dir, 'elsewhere.sqlite')}`;
    const plain = await startHub({ DATABASE_URL: url, TELEMETRY_DEMO: '' }, undefined, undefined, dir.dir);
    try {
      assert.deepEqual(await machines(plain.url), []);
    } finally {
      assert.equal(await plain.stop('SIGTERM'), 0, plain.output());
    }
    const on = await startHub({ DATABASE_URL: url, TELEMETRY_DEMO: 'on' }, undefined, undefined, dir.dir);
    try {
      assert.equal((await machines(on.url)).length, 40);
    } finally {
      assert.equal(await on.stop('SIGTERM'), 0, on.output());
    }
  });
});
