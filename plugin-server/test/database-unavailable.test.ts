import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import { createTelemetryPlugin, defaultLogger, type TelemetryPlugin } from '../src/index.js';

describe('a database that cannot be reached', () => {
  let plugin: TelemetryPlugin;
  let http: ReturnType<typeof supertest>;
  before(() => {
    // Port 1 on loopback refuses connections at once: the hub must answer 503 quickly, not hang.
    plugin = createTelemetryPlugin({ databaseUrl: 'mysql://root@127.0.0.1:1/test', acquireTimeoutMs: 1500, logger: defaultLogger('silent') });
    const app = express();
    app.use('/api/v1', plugin.router);
    http = supertest(app);
  });
  after(async () => { await plugin.close(); });

  it('answers ingest with 503 and Retry-After within seconds', async () => {
    const started = Date.now();
    const res = await http.post('/api/v1/telemetry/backup/job-1').send({ status: 'running', bytes_transferred: 1 }).expect(503);
    assert.equal(res.body.error.code, 'database_unavailable');
    assert.equal(res.headers['retry-after'], '5');
    assert.ok(Date.now() - started < 5000, 'refused within seconds');
  });

  it('answers reads and registrations with 503 too', async () => {
    await http.get('/api/v1/backups').expect(503);
    const res = await http.post('/api/v1/backups').send({ vm_name: 'a', repository_id: 'r', backup_type: 'full' }).expect(503);
    assert.equal(res.body.error.status, 503);
  });
});
