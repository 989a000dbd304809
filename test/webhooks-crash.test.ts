import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { requireBuilt, startHub, tempDir } from './support/processes.js';
import { startReceiver, verifyStandardWebhook } from '../plugin-server/test/support/receiver.js';

/**
 * Nothing a commit acknowledged is lost: the example hub commits a job's failure with its deliverer
 * off (`TELEMETRY_NOTIFICATIONS=off`), is killed with SIGKILL, and the hub started again delivers
 * the webhook exactly once.
 */

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Each database the hub runs on: SQLite always, MariaDB and PostgreSQL when their URLs are set. */
const databases = [
  { name: 'SQLite', url: (dir: string) => `sqlite:${join(dir, 'telemetry.sqlite')}`, skip: false as const },
  { name: 'MariaDB', url: () => process.env.MYSQL_URL!, skip: process.env.MYSQL_URL ? (false as const) : 'MYSQL_URL is not set' },
  { name: 'PostgreSQL', url: () => process.env.PG_URL!, skip: process.env.PG_URL ? (false as const) : 'PG_URL is not set' },
];

for (const database of databases) {
  describe(`a webhook survives kill -9 of the example hub (${database.name})`, { skip: database.skip }, () => {
    it('is delivered once by the restarted hub', async () => {
      requireBuilt();
      const receiver = await startReceiver();
      const dir = tempDir('bt-webhook-crash-');
      const prefix = `wh${process.pid}_`;
      const databaseUrl = database.url(dir.dir);
      const env = {
        DATABASE_URL: databaseUrl, TELEMETRY_TABLE_PREFIX: prefix, TELEMETRY_DEMO: 'off', LOG_LEVEL: 'warn',
        TELEMETRY_WEBHOOK_URL: receiver.url('/backup-alerts'), TELEMETRY_WEBHOOK_SECRET: SECRET, TELEMETRY_WEBHOOK_EVENTS: 'job.failed',
      };
      try {
        const first = await startHub({ ...env, TELEMETRY_NOTIFICATIONS: 'off' });
        const registered = await post(`${first.url}/api/v1/backups`, { vm_name: 'db-01', repository_id: 'repo-a', backup_type: 'full' });
        assert.equal(registered.status, 201);
        const { backup_id: id } = (await registered.json()) as { backup_id: string };
        const failed = await post(`${first.url}/api/v1/telemetry/backup/${id}`, { status: 'failed', error: 'NBD connection reset by peer' });
        assert.equal(failed.status, 200, 'the failure is committed');
        assert.equal(await first.stop('SIGKILL'), null, 'killed, not exited');
        assert.equal(receiver.hits.length, 0, 'nothing was sent before the crash');

        const second = await startHub(env);
        try {
          const [hit] = await receiver.waitFor(1, 15_000);
          await sleep(1500); // any duplicate would arrive by now
          assert.equal(receiver.hits.length, 1, 'delivered exactly once');
          assert.equal(hit!.path, '/backup-alerts');
          assert.ok(verifyStandardWebhook(SECRET, hit!.headers, hit!.body));
          const payload = JSON.parse(hit!.body);
          assert.deepEqual([payload.type, payload.data.job.backup_id, payload.data.job.error_message], ['job.failed', id, 'NBD connection reset by peer']);
        } finally {
          assert.equal(await second.stop(), 0);
        }
      } finally {
        if (database.name !== 'SQLite') {
          const cleanup = createTelemetryPlugin({ databaseUrl, tablePrefix: prefix, logger: defaultLogger('silent'), staleDetection: false, notifications: false });
          await cleanup.store.dropAll();
          await cleanup.close();
        }
        await receiver.close();
        dir.remove();
      }
    });
  });
}
