import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { literal, render } from '../src/store/pg-sql.js';
import { backends, startHub } from './support/backends.js';
import { registerJob, send } from './support/factories.js';

/**
 * The PostgreSQL ingest sends its values inside SQL text (one simple-protocol query per round trip),
 * so a client's text must come back exactly as sent, whatever quotes, backslashes or dollar quotes it
 * holds, on every database.
 */

const HOSTILE = [
  "it's", "''", "'); DROP TABLE x; --", '\\', "\\'", 'C:\\backup\\new\\', '$$', '$tag$ x $tag$', '"quoted"',
  '?', '??', '$1', '-- not a comment', '/* not a comment', '\n\r\t', 'ümlaut ✓ 🚀', 'E\'x\'',
];

describe('PostgreSQL literals', () => {
  it('renders NULL, numbers (negatives parenthesised), booleans and quoted strings', () => {
    assert.equal(literal(null), 'NULL');
    assert.equal(literal(undefined), 'NULL');
    assert.equal(literal(42), '42');
    assert.equal(literal(-1), '(-1)');
    assert.equal(literal(0.5), '0.5');
    assert.equal(literal(true), 'TRUE');
    assert.equal(literal("it's"), "'it''s'");
    assert.equal(literal('a\\b'), " E'a\\\\b'");
    assert.equal(render('SELECT ? - ? FROM ??', [1, -1, 'a"b']), 'SELECT 1 - (-1) FROM "a""b"');
  });

  it("quotes every string exactly as pg's escapeLiteral does (its shortcut for text without quotes or backslashes included)", () => {
    for (const text of [...HOSTILE, '', 'plain', '[{"disk_index":0}]']) assert.equal(literal(text), pg.escapeLiteral(text), JSON.stringify(text));
  });

  it('refuses what it cannot render safely: NUL, non-finite numbers, objects, a binding count that does not match', () => {
    assert.throws(() => literal('a\u0000b'), /NUL/);
    assert.throws(() => literal(Number.NaN), /NaN/);
    assert.throws(() => literal(Number.POSITIVE_INFINITY), /Infinity/);
    assert.throws(() => literal({}), /object/);
    assert.throws(() => render('SELECT ?, ?', [1]), /too few/);
    assert.throws(() => render('SELECT ?', [1, 2]), /too many/);
  });
});

const postgres = backends().find((b) => b.name === 'postgres')!;

describe('PostgreSQL reads back every rendered string exactly', { skip: postgres.skip }, () => {
  for (const conforming of ['on', 'off']) {
    it(`with standard_conforming_strings ${conforming}`, async () => {
      const hub = await startHub(postgres);
      const client = hub.plugin.store.knex.client as unknown as { acquireConnection(): Promise<{ query(t: string): Promise<{ rows: { v: string }[] }[]> }>; releaseConnection(c: unknown): Promise<void> };
      const c = await client.acquireConnection();
      try {
        const results = await c.query([`SET standard_conforming_strings = ${conforming}`, ...HOSTILE.map((s) => `SELECT ${literal(s)}::text AS v`), 'RESET standard_conforming_strings'].join(';\n'));
        assert.deepEqual(results.slice(1, -1).map((r) => r.rows[0]!.v), HOSTILE);
      } finally {
        await client.releaseConnection(c);
        await hub.close();
      }
    });
  }
});

for (const backend of backends()) {
  describe(`hostile client text through the ingest (${backend.name})`, { skip: backend.skip }, () => {
    it('stores phases, details, log lines and error text exactly as sent, on the locking and the one-round-trip path', async () => {
      const hub = await startHub(backend, { ingestLanes: 1 });
      const store = hub.plugin.store;
      const open = store.ingestTransaction.bind(store);
      let oneRoundTrip = 0;
      store.ingestTransaction = () => {
        const tx = open();
        const guarded = tx.commitIfUnchanged;
        return guarded ? { ...tx, commitIfUnchanged: async (w) => ((await guarded(w)) && ++oneRoundTrip > 0) } : tx;
      };
      try {
        const id = await registerJob(hub.http, { disks: [] });
        let t = Date.now() - 60_000;
        for (const [i, text] of HOSTILE.entries()) {
          t += 1000;
          const body = { status: 'running', timestamp: t, current_phase: `p${i} ${text}`.slice(0, 64), details: { text, index: i }, log: [{ level: 'info', message: text }], bytes_transferred: i };
          const res = await send(hub.http, id, body);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
          assert.equal(job.current_phase, body.current_phase);
          assert.deepEqual(job.details, body.details);
        }
        await send(hub.http, id, { status: 'failed', timestamp: t + 1000, error: HOSTILE.join(' | ') }).expect(200);
        const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
        assert.equal(job.error_message, HOSTILE.join(' | '));
        const log = (await hub.http.get(`/api/v1/backups/${id}/log`).expect(200)).body;
        const client = log.entries.filter((e: { source: string }) => e.source === 'client').map((e: { message: string }) => e.message);
        assert.deepEqual(client, HOSTILE);
        if (backend.name !== 'sqlite') assert.ok(oneRoundTrip >= HOSTILE.length - 1, `${oneRoundTrip} updates written in one round trip`);

        // NUL, which PostgreSQL cannot store in text, becomes U+FFFD everywhere: the end is stored, not refused.
        const other = await registerJob(hub.http, { disks: [] });
        await send(hub.http, other, { status: 'running', current_phase: 'copy\u0000x', details: { note: 'a\u0000b' }, log: [{ level: 'warning', message: 'nul\u0000here' }] }).expect(200);
        await send(hub.http, other, { status: 'failed', error: 'read error\u0000at block 7' }).expect(200);
        const ended = (await hub.http.get(`/api/v1/backups/${other}`).expect(200)).body;
        assert.equal(ended.error_message, 'read error\uFFFDat block 7');
        assert.deepEqual(ended.details, { note: 'a\uFFFDb' });
        const lines = (await hub.http.get(`/api/v1/backups/${other}/log`).expect(200)).body.entries.filter((e: { source: string }) => e.source === 'client');
        assert.deepEqual(lines.map((e: { message: string }) => e.message), ['nul\uFFFDhere']);
      } finally {
        await hub.close();
      }
    });
  });
}
