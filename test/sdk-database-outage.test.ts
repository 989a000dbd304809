import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import { Server } from 'socket.io';
import { createReporter, registerJob } from '@backup-telemetry/client';
import type { BackupJob } from '@backup-telemetry/contract';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { proxyDatabase } from '../plugin-server/test/support/tcp-proxy.js';

const databases = [
  { name: 'MariaDB', variable: 'MYSQL_URL', url: process.env.MYSQL_URL },
  { name: 'PostgreSQL', variable: 'PG_URL', url: process.env.PG_URL },
];
for (const db of databases) if (!db.url) console.log(`# ${db.variable} is not set: the SDK-through-a-database-outage suite on ${db.name} is skipped`);

const GIB = 1024 ** 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const database of databases) {
  describe(`an agent reporting through a database outage (${database.name})`, { skip: database.url ? false : `${database.variable} is not set` }, () => {
    for (const transport of ['http', 'socket'] as const) {
      it(`delivers every milestone and the end once ${database.name} is back (${transport})`, async () => {
        const { proxy, url } = await proxyDatabase(database.url!);
        const plugin = createTelemetryPlugin({
          databaseUrl: url, tablePrefix: `o${process.pid}${database.name[0]}${transport[0]}_`, acquireTimeoutMs: 1500, transactionTimeoutMs: 2000,
          snapshotIntervalSeconds: 0, staleDetection: false, logger: defaultLogger('silent'),
        });
        await plugin.migrate();
        const app = express();
        app.use('/api/v1', plugin.router);
        const server = createServer(app);
        const io = new Server(server);
        plugin.attach(io);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
          const id = `outage-${transport}-${Date.now()}`;
          await registerJob(hubUrl, { id, vm_name: 'outage-vm', repository_id: 'r', backup_type: 'full' });
          const reporter = createReporter({ hubUrl, jobId: id, transport, fallbackToHttp: false, intervalMs: 60_000 });
          reporter.report({ current_phase: 'transferring', bytes_transferred: 0, total_bytes: GIB });
          await reporter.flush(5000);

          await proxy.cut(); // the database goes away; the hub stays up and answers 503 with Retry-After
          for (let percent = 5; percent <= 60; percent += 5) {
            reporter.report({ bytes_transferred: Math.round((GIB * percent) / 100), total_bytes: GIB });
            await sleep(100);
          }
          await sleep(1500);
          const whileDown = await fetch(`${hubUrl}/api/v1/telemetry/backup/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
          assert.equal(whileDown.status, 503, 'the hub refuses while the database is away');
          assert.ok(whileDown.headers.get('retry-after'));

          await proxy.restore();
          for (let percent = 65; percent <= 100; percent += 5) reporter.report({ bytes_transferred: Math.round((GIB * percent) / 100), total_bytes: GIB });
          const end = await reporter.complete();
          assert.equal(end.status, 'completed');
          await reporter.close();

          const job = (await (await fetch(`${hubUrl}/api/v1/backups/${id}`)).json()) as BackupJob;
          assert.equal(job.status, 'completed');
          assert.equal(job.bytes_transferred, GIB);
          const percents = job.performance_metrics!.chart_data.map((p) => p.p);
          for (let m = 10; m <= 100; m += 10) assert.ok(percents.includes(m), `milestone ${m} % survived the outage (${percents.join(', ')})`);
        } finally {
          await proxy.restore().catch(() => undefined);
          await plugin.store.dropAll().catch(() => undefined);
          await plugin.close();
          await new Promise<void>((resolve) => io.close(() => resolve()));
          await proxy.close();
        }
      });
    }
  });
}
