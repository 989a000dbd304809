import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BackupStats, FleetSummary, MachineListResponse } from '@backup-telemetry/contract';
import { ROOT, getJson, requireBuilt, startHub, tempDir } from './support/processes.js';

/** The README's fleet command, run as written (into a temporary database), then read through the hub. */

function npm(args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

describe('npm run simulate -- --fleet 2000 --history 30d', () => {
  requireBuilt();
  const db = tempDir('bt-fleet-e2e-');
  after(() => db.remove());

  it('fills 2,000 VMs with a month of history in minutes, and the hub shows the statuses it printed', { timeout: 600_000 }, async () => {
    const url = `sqlite:${join(db.dir, 'telemetry.sqlite')}`;
    const startedMs = Date.now();
    const run = await npm(['run', 'simulate', '--', '--fleet', '2000', '--history', '30d'], { DATABASE_URL: url }, 590_000);
    const seconds = (Date.now() - startedMs) / 1000;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    console.log(`# 2,000 VMs x 30 d into SQLite: ${seconds.toFixed(1)} s`);
    const imported = Number(/imported (\d+) job\(s\)/.exec(run.stdout)?.[1]);
    const summary = /VMs by protection status now: (.*)/.exec(run.stdout)?.[1] ?? '';
    const printed = Object.fromEntries([...summary.matchAll(/([a-z_]+) (\d+)/g)].map((m) => [m[1], Number(m[2])]));
    assert.ok(imported > 60_000, run.stdout);

    const hub = await startHub({ DATABASE_URL: url, LOG_LEVEL: 'warn' });
    try {
      const fleet = await getJson<FleetSummary>(`${hub.url}/api/v1/fleet/summary`);
      const shown: Record<string, number> = { ...fleet.machines.by_protection };
      assert.equal(fleet.machines.total, 2000);
      assert.deepEqual(shown, printed);
      // The paged list agrees with the counters: every at-risk VM, 500 a page.
      let atRisk = 0;
      for (let cursor: string | null = ''; cursor !== null;) {
        const page: MachineListResponse = await getJson<MachineListResponse>(`${hub.url}/api/v1/machines?status=at_risk&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.machines.every((m) => m.protection.status === 'at_risk'));
        atRisk += page.machines.length;
        cursor = page.next_cursor;
      }
      assert.equal(atRisk, shown.at_risk);
      assert.ok(shown.protected! > 1500 && Object.values(shown).every((n) => n > 0), JSON.stringify(shown));
      assert.equal((await getJson<BackupStats>(`${hub.url}/api/v1/backups/stats`)).total, imported);
    } finally {
      assert.equal(await hub.stop('SIGTERM'), 0, hub.output());
    }
  });
});
