import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import type { BackupJob } from '@backup-telemetry/contract';
import { getJson, requireBuilt, simulate, startHub, type HubProcess } from './support/processes.js';

/**
 * The example hub on a database server (`DATABASE_URL=mysql://…` or `postgres://…`), its own table
 * prefix, driven by the simulator.
 */

const servers = [
  { name: 'MySQL', variable: 'MYSQL_URL', url: process.env.MYSQL_URL },
  { name: 'PostgreSQL', variable: 'PG_URL', url: process.env.PG_URL },
];

for (const server of servers) {
  describe(`the example hub on ${server.name}`, { skip: server.url ? false : `${server.variable} is not set: the example hub on ${server.name} is skipped` }, () => {
    const databaseUrl = server.url!;
    const prefix = `e2e_${process.pid}_`;
    let hub: HubProcess;

    before(async () => {
      requireBuilt();
      hub = await startHub({ DATABASE_URL: databaseUrl, TELEMETRY_TABLE_PREFIX: prefix, TELEMETRY_SNAPSHOT_INTERVAL_SECONDS: '1', LOG_LEVEL: 'warn' });
    });

    after(async () => {
      assert.equal(await hub?.stop(), 0);
      const cleanup = createTelemetryPlugin({ databaseUrl, tablePrefix: prefix, logger: defaultLogger('silent'), staleDetection: false });
      await cleanup.store.dropAll();
      await cleanup.close();
    });

    it('migrates at start and records simulated jobs over the socket', async () => {
      const run = await simulate(['--hub', hub.url, '--jobs', '2', '--duration', '4', '--failures', '1', '--die', '0', '--seed', '3', '--quiet']).done;
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(run.jobs.map((j) => j.result).sort(), ['completed', 'failed']);
      for (const row of run.jobs) {
        const job = await getJson<BackupJob>(`${hub.url}/api/v1/backups/${row.job_id}`);
        assert.equal(job.status, row.result);
        assert.ok(job.performance_metrics && job.performance_metrics.chart_data.length > 0);
        // The simulator times its stages (reporter.stage): the hub names each job's bottleneck.
        if (row.result === 'completed') assert.ok(['source', 'network'].includes(job.performance_metrics.bottleneck?.stage ?? ''), JSON.stringify(job.performance_metrics));
      }
    });
  });
}
