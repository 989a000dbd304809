import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knexFromUrl } from '../src/index.js';
import { registerJob } from '../src/ingest/register.js';
import { backends, migratedPlugin, uniquePrefix } from './support/backends.js';
import { jobRequest, update } from './support/factories.js';
import { startReceiver } from './support/receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EVENTS = 51;

for (const backend of backends()) {
  describe(`webhooks from several hub instances on ${backend.name}`, { skip: backend.skip }, () => {
    it('delivers each event exactly once per endpoint while three instances run their deliverers', async () => {
      const receiver = await startReceiver(() => ({ status: 200 }));
      const other = await startReceiver(() => ({ status: 204 }));
      const prefix = uniquePrefix();
      const url = backend.url();
      // MariaDB: a pool each, as three processes would have; SQLite: one knex shared in-process (see stale.test.ts).
      const shared = backend.name === 'sqlite' ? knexFromUrl(url) : undefined;
      const options = {
        tablePrefix: prefix, knex: shared, databaseUrl: shared ? undefined : url, notifyPollIntervalMs: 20, now: Date.now,
        notificationEndpoints: [
          { url: receiver.url('/a'), events: ['job.failed' as const, 'job.completed' as const], secret: SECRET },
          { url: other.url('/b'), events: ['job.failed' as const], secret: SECRET },
        ],
      };
      const hubs: Awaited<ReturnType<typeof migratedPlugin>>[] = [];
      for (let i = 0; i < 3; i++) hubs.push(await migratedPlugin({ ...backend, url: () => url }, options));
      try {
        let failed = 0;
        await Promise.all(Array.from({ length: EVENTS }, async (_, i) => {
          const { plugin } = hubs[i % 3]!;
          const request = jobRequest({ vm_name: `vm-${i % 7}` });
          await registerJob(plugin.store, request, Date.now(), async () => undefined, { rpo_hours: 24, grace_minutes: 60 });
          const status = i % 3 === 0 ? 'completed' : 'failed';
          if (status === 'failed') failed += 1;
          await plugin.ingest.submit('backup', request.id, update(status === 'failed' ? { status, error: `e${i}` } : { status }));
        }));
        await receiver.waitFor(EVENTS, 30_000);
        await other.waitFor(failed, 30_000);
        await new Promise((resolve) => setTimeout(resolve, 600)); // time for any duplicate to arrive
        const ids = receiver.hits.map((h) => String(h.headers['webhook-id']));
        assert.equal(ids.length, EVENTS, 'one request per event');
        assert.equal(new Set(ids).size, EVENTS, 'no webhook-id twice');
        assert.equal(other.hits.length, failed);
        assert.equal(new Set(other.hits.map((h) => h.headers['webhook-id'])).size, failed);
        const rows = await hubs[0]!.plugin.notify.deliveries.list(hubs[0]!.plugin.knex, { limit: 500 });
        assert.equal(rows.length, EVENTS + failed);
        assert.ok(rows.every((r) => r.status === 'delivered' && r.attempts === 1), 'each delivered in one attempt');
      } finally {
        for (const hub of hubs.slice(1).reverse()) await hub.dispose({ keepTables: true });
        await hubs[0]!.dispose();
        await shared?.destroy();
        await receiver.close();
        await other.close();
      }
    });
  });
}
