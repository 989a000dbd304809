import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import supertest from 'supertest';
import { logStartupAdvice } from '../examples/hub/src/advice.js';
import { createHub } from '../examples/hub/src/app.js';
import { readConfig } from '../examples/hub/src/config.js';
import { tempDir } from './support/processes.js';

/** The example hub on a temporary SQLite file, configured from `env` as its process would be. */
async function hubWith(env: Record<string, string>) {
  const db = tempDir('bt-admin-');
  const config = readConfig({ DATABASE_URL: `sqlite:${join(db.dir, 'telemetry.sqlite')}`, LOG_LEVEL: 'silent', ...env });
  const hub = await createHub(config, pino({ level: 'silent' }));
  return { hub, config, http: supertest(hub.app), async close() { await hub.close(); db.remove(); } };
}

describe('example hub admin API', () => {
  let open: Awaited<ReturnType<typeof hubWith>>;
  before(async () => { open = await hubWith({ TELEMETRY_ADMIN_TOKENS: 'ops-token', TELEMETRY_DEFAULT_RPO_HOURS: '36' }); });
  after(() => open.close());

  it('takes a TELEMETRY_ADMIN_TOKENS bearer token: 401 without one, 403 with another, 200 with one listed', async () => {
    const none = await open.http.put('/api/v1/machines/web-01/policy').send({ rpo_hours: 12 }).expect(401);
    assert.equal(none.body.error.code, 'unauthorized');
    assert.match(none.body.error.message, /TELEMETRY_ADMIN_TOKENS/);
    await open.http.put('/api/v1/machines/web-01/policy').set('Authorization', 'Bearer guess').send({ rpo_hours: 12 }).expect(403);
    const set = await open.http.put('/api/v1/machines/web-01/policy').set('Authorization', 'Bearer ops-token').send({ rpo_hours: 12 }).expect(200);
    assert.equal(set.body.policy.rpo_hours, 12);
  });

  it('gives VMs without a policy of their own the TELEMETRY_DEFAULT_RPO_HOURS', async () => {
    const cleared = await open.http.delete('/api/v1/machines/web-01/policy').set('Authorization', 'Bearer ops-token').expect(200);
    assert.deepEqual(cleared.body.policy, { rpo_hours: 36, grace_minutes: 60, schedule: null, source: 'default' });
  });
});

describe('example hub without TELEMETRY_ADMIN_TOKENS', () => {
  let closed: Awaited<ReturnType<typeof hubWith>>;
  before(async () => { closed = await hubWith({ TELEMETRY_DEFAULT_RPO_HOURS: 'off' }); });
  after(() => closed.close());

  it('keeps the admin API closed (403 whatever the token) and says so at start', async () => {
    const res = await closed.http.put('/api/v1/machines/web-01/policy').set('Authorization', 'Bearer ops-token').send({ rpo_hours: 12 }).expect(403);
    assert.equal(res.body.error.code, 'forbidden');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(line); } });
    await logStartupAdvice(closed.config, 'http://127.0.0.1:9', logger);
    assert.ok(lines.some((l) => /the admin API is closed .*TELEMETRY_ADMIN_TOKENS/.test(l)), lines.join(''));
  });

  it('does not monitor VMs when TELEMETRY_DEFAULT_RPO_HOURS=off', async () => {
    await closed.http.post('/api/v1/backups').send({ vm_name: 'web-09', repository_id: 'r', backup_type: 'full' }).expect(201);
    const { body } = await closed.http.get('/api/v1/machines/web-09').expect(200);
    assert.equal(body.protection.status, 'unmonitored');
  });
});


