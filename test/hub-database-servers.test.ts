import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import type { BackupJob, Machine } from '@backup-telemetry/contract';
import { eventually, getJson, requireBuilt, simulate, startHub, type HubProcess } from './support/processes.js';

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
      assert.equal(run.code, 0, `${run.stdout}${run.stderr}\nhub log:\n${hub.output()}`);
      assert.deepEqual(run.jobs.map((j) => j.result).sort(), ['completed', 'failed']);
      for (const row of run.jobs) {
        const job = await getJson<BackupJob>(`${hub.url}/api/v1/backups/${row.job_id}`);
        assert.equal(job.status, row.result);
        assert.ok(job.performance_metrics && job.performance_metrics.chart_data.length > 0);
        // The simulator times its stages (reporter.stage): the hub names each job's bottleneck.
        if (row.result === 'completed') assert.ok(['source', 'network'].includes(job.performance_metrics.bottleneck?.stage ?? ''), JSON.stringify(job.performance_metrics));
      }
    });

    it('fills the living demo with TELEMETRY_DEMO=on: 40 VMs in every protection state, jobs running, cancelled on SIGTERM', async () => {
      const demoPrefix = `demo_${process.pid}_`;
      const demo = await startHub({ DATABASE_URL: databaseUrl, TELEMETRY_TABLE_PREFIX: demoPrefix, TELEMETRY_DEMO: 'on', LOG_LEVEL: 'warn' });
      let exited = false;
      try {
        const machines = async () => (await getJson<{ machines: Machine[] }>(`${demo.url}/api/v1/machines`)).machines;
        const fleet = await machines();
        assert.equal(fleet.length, 40);
        for (const status of ['protected', 'warning', 'at_risk', 'pending', 'unmonitored']) assert.ok(fleet.some((m) => m.protection.status === status), `a VM is ${status}`);
        await eventually('a demo job to run', async () => ((await machines()).some((m) => m.last_job?.status === 'running') ? true : undefined), 20_000);
        const code = await demo.stop('SIGTERM');
        exited = true;
        assert.equal(code, 0, demo.output());
        const left = createTelemetryPlugin({ databaseUrl, tablePrefix: demoPrefix, logger: defaultLogger('silent'), staleDetection: false });
        try {
          assert.equal(Number((await left.knex(left.store.tables.jobs).where('status', 'running').count({ n: '*' }))[0]!.n), 0, 'no demo job left running');
        } finally {
          await left.store.dropAll();
          await left.close();
        }
      } finally {
        if (!exited) await demo.stop('SIGKILL');
      }
    });
  });
}
