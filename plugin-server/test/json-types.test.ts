import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Knex } from 'knex';
import { backends, hostKnex, startHub, titleOf, type Backend } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';

/**
 * Every read answers the same JSON types on every database: pg returns BIGINT and COUNT as strings
 * and mysql2 some sums as strings, so a number that leaks through as "42" shows here as a type that
 * differs from SQLite's. Run through the plugin's own URL and through a host's own knex.
 */

const T0 = Date.UTC(2026, 10, 20, 1, 0, 0);
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** The type of every leaf of `value`, keyed by its path (array items share one path). */
function leafTypes(value: unknown, path: string, out: Map<string, Set<string>>): void {
  if (Array.isArray(value)) return value.forEach((item) => leafTypes(item, `${path}[]`, out));
  if (value && typeof value === 'object') return Object.entries(value).forEach(([k, v]) => leafTypes(v, `${path}.${k}`, out));
  if (!out.has(path)) out.set(path, new Set());
  out.get(path)!.add(value === null ? 'null' : typeof value);
}

/** A small fleet (ended and running jobs, a policy, a webhook endpoint), then every GET route and /metrics. */
async function typesOfReads(backend: Backend, knex?: Knex): Promise<Record<string, string>> {
  let t = T0;
  const hub = await startHub(backend, { now: () => t, ...(knex ? { knex } : {}), authorizeAdmin: () => true });
  const out = new Map<string, Set<string>>();
  try {
    const ended: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await registerJob(hub.http, { vm_name: `vm-${i % 2}`, disks: [{ disk_index: 0, total_bytes: 4000 }] });
      ended.push(id);
      for (let s = 1; s <= 3; s++) {
        t += 10_000;
        await send(hub.http, id, update({ bytes_transferred: 1000 * s, total_bytes: 4000, transfer_speed_bps: 100 * s, timestamp: t })).expect(200);
      }
      t += 1000;
      await send(hub.http, id, i === 3 ? { status: 'failed', error: 'disk full', timestamp: t } : { status: 'completed', timestamp: t }).expect(200);
    }
    const running = await registerJob(hub.http, { vm_name: 'vm-0' });
    t += 1000;
    await send(hub.http, running, update({ bytes_transferred: 5, timestamp: t })).expect(200);
    await hub.http.put('/api/v1/machines/vm-1/policy').send({ rpo_hours: 12 }).expect(200);
    await hub.http.post('/api/v1/notifications/endpoints').send({ url: 'http://127.0.0.1:9/hook', events: ['job.failed'], secret: SECRET }).expect(201);

    const routes = [
      '/backups', `/backups/${ended[0]}`, `/backups/${ended[0]}/log`, `/backups/${running}`, '/backups/stats', '/backups/stats?vm_name=vm-0',
      '/fleet/calendar', '/fleet/summary', '/machines', '/machines/vm-0', '/machines/vm-0/insight', '/machines/vm-1/policy',
      '/notifications/deliveries', '/notifications/endpoints', `/telemetry/history/${ended[0]}`, `/telemetry/history/${running}`,
    ];
    for (const route of routes) {
      const res = await hub.http.get(`/api/v1${route}`);
      assert.equal(res.status, 200, `${route}: ${res.text}`);
      leafTypes(res.body, route.replace(ended[0]!, ':ended').replace(running, ':running'), out);
    }
    for (const line of (await hub.plugin.metrics.registry.metrics()).split('\n')) {
      const sample = /^([^#\s]\S*) (\S+)$/.exec(line);
      if (sample) leafTypes(Number.isFinite(Number(sample[2])) ? 0 : sample[2], `metric ${sample[1]}`, out);
    }
    return Object.fromEntries([...out].map(([path, types]) => [path, [...types].sort().join('|')]));
  } finally {
    if (knex) await hub.plugin.store.dropAll(); // the test hub drops the tables only of a knex it built
    await hub.close();
  }
}

const [sqlite, ...servers] = backends() as [Backend, ...Backend[]];

describe('the JSON types of every read', { skip: servers.every((s) => s.skip) ? 'neither MYSQL_URL nor PG_URL is set' : false }, () => {
  let reference: Record<string, string>;

  it('are read on SQLite', async () => {
    reference = await typesOfReads(sqlite);
    assert.ok(Object.keys(reference).length > 200, `${Object.keys(reference).length} leaves`);
  });

  for (const server of servers) {
    it(`are the same on ${titleOf(server)} from its URL`, { skip: server.skip }, async () => {
      assert.deepEqual(await typesOfReads(server), reference);
    });

    it(`are the same on ${titleOf(server)} through a host's own knex`, { skip: server.skip }, async () => {
      const knex = hostKnex(server);
      try {
        assert.deepEqual(await typesOfReads(server, knex), reference);
      } finally {
        await knex.destroy();
      }
    });
  }
});
