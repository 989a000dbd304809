import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { backends, startHub } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { startReceiver } from './support/receiver.js';

/** The README's Webhooks section, run as written: its endpoint body and its verifier. */
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = README.slice(README.indexOf('## Webhooks'), README.indexOf('## Deploying several hubs'));
const block = (lang: string) => {
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section);
  assert.ok(match, `the Webhooks section has a ${lang} block`);
  return match[1]!;
};

describe("the README's Webhooks section", () => {
  const sqlite = backends()[0]!;

  it('creates its example endpoint as shown, returning a generated secret once', async () => {
    const hub = await startHub(sqlite, { authorizeAdmin: () => true, notifications: false });
    try {
      const body = JSON.parse(block('json'));
      const res = await hub.http.post('/api/v1/notifications/endpoints').send(body).expect(201);
      assert.deepEqual([res.body.format, res.body.filters, res.body.source], ['ntfy', { vm_name: 'prod-*', min_severity: 'critical' }, 'api']);
      assert.match(res.body.secret, /^whsec_/);
    } finally {
      await hub.close();
    }
  });

  it("verifies a real delivery with its verifier, and refuses a tampered one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bt-readme-'));
    const receiver = await startReceiver();
    const hub = await startHub(sqlite, { authorizeAdmin: () => true, notifications: false });
    try {
      const file = join(dir, 'verify.mjs');
      writeFileSync(file, block('js'));
      const { verifyWebhook } = await import(pathToFileURL(file).href);
      const { secret } = (await hub.http.post('/api/v1/notifications/endpoints').send({ url: receiver.url(), events: ['job.failed'] }).expect(201)).body;
      const id = await registerJob(hub.http);
      await send(hub.http, id, update({ status: 'failed', error: 'disk full' })).expect(200);
      await hub.plugin.notify.deliverer.runOnce();
      const [hit] = await receiver.waitFor(1);
      assert.equal(verifyWebhook(secret, hit!.headers, hit!.body), true);
      assert.equal(verifyWebhook(secret, hit!.headers, hit!.body.replace('disk full', 'all fine')), false);
      assert.equal(verifyWebhook(secret, { ...hit!.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600) }, hit!.body), false);
    } finally {
      await hub.close();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
