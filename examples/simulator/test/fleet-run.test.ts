import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import express from 'express';
import supertest from 'supertest';
import type { BackupJob, BackupStats, Machine } from '@backup-telemetry/contract';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { expectedStatus } from '../src/fleet-plan.js';
import { HUB_DEFAULT_SQLITE, resolveDatabaseUrl, runFleet } from '../src/fleet-run.js';

const DAY = 24 * 3600_000;

describe('--fleet into a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-fleet-'));
  const databaseUrl = `sqlite:${join(dir, 'telemetry.sqlite')}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a fleet whose every VM has, through the hub API, the status its role plans; a re-run skips it all', async () => {
    const lines: string[] = [];
    const run = await runFleet({ count: 30, span_ms: 10 * DAY, seed: 9, databaseUrl, log: (l) => lines.push(l) });
    assert.equal(run.imported, run.plan.jobs.length);
    assert.equal(run.declared, run.plan.vms.filter((v) => v.role === 'never').length);
    assert.match(lines.at(-1)!, /\/ [\d,]+ jobs \(100 %\)/);

    const plugin = createTelemetryPlugin({ databaseUrl, staleDetection: false, logger: defaultLogger('silent') });
    try {
      await plugin.migrate();
      const http = supertest(express().use('/api/v1', plugin.router));
      const { machines } = (await http.get('/api/v1/machines').expect(200)).body as { machines: Machine[] };
      assert.equal(machines.length, 30);
      const byName = new Map(machines.map((m) => [m.vm_name, m]));
      for (const vm of run.plan.vms) {
        assert.equal(byName.get(vm.vm.vm_name)?.protection.status, expectedStatus(vm, Date.now()), `${vm.vm.vm_name} (${vm.role})`);
      }
      const counts: Record<string, number> = {};
      for (const m of machines) counts[m.protection.status] = (counts[m.protection.status] ?? 0) + 1;
      assert.deepEqual(counts, Object.fromEntries(Object.entries(run.by_status).filter(([, n]) => n > 0)), 'the printed summary is what the hub shows');
      const stats = (await http.get('/api/v1/backups/stats').expect(200)).body as BackupStats;
      assert.equal(stats.total, run.plan.jobs.length);
      assert.equal(stats.by_status.failed, run.plan.jobs.filter((j) => j.status === 'failed').length);
      const recent = run.plan.jobs.filter((j) => j.status === 'completed' && j.performance_metrics).at(-1)!;
      const job = (await http.get(`/api/v1/backups/${recent.id}`).expect(200)).body as BackupJob;
      assert.deepEqual(job.performance_metrics, recent.performance_metrics, 'its chart is stored as planned');
    } finally {
      await plugin.close();
    }

    const again = await runFleet({ count: 30, span_ms: 10 * DAY, seed: 9, databaseUrl, log: () => undefined });
    assert.deepEqual([again.imported, again.skipped], [0, run.plan.jobs.length]);
  });

  it("defaults to the example hub's database, and takes a relative SQLite path from where the command runs", () => {
    assert.equal(resolveDatabaseUrl(undefined, {}, '/x'), `sqlite:${HUB_DEFAULT_SQLITE}`);
    assert.ok(HUB_DEFAULT_SQLITE.endsWith(join('examples', 'hub', 'data', 'telemetry.sqlite')));
    assert.equal(resolveDatabaseUrl(undefined, { DATABASE_URL: 'mysql://root@db:3306/bt' }, '/x'), 'mysql://root@db:3306/bt');
    assert.equal(resolveDatabaseUrl('sqlite:./data/t.sqlite', { DATABASE_URL: 'mysql://root@db/bt' }, '/work'), `sqlite:${resolve('/work', 'data/t.sqlite')}`);
    assert.equal(resolveDatabaseUrl('sqlite:/abs/t.sqlite', {}, '/work'), 'sqlite:/abs/t.sqlite');
  });
});
