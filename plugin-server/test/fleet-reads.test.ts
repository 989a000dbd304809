import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import type { Logger } from '../src/index.js';
import { LOGGED_ERROR_MAX_CHARS } from '../src/error-text.js';
import { backends, startHub, type TestHub } from './support/backends.js';
import { jobRequest, send, update } from './support/factories.js';

/** A logger that keeps every line as the JSON the default logger would write. */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (obj: object, msg?: string) => { lines.push(JSON.stringify({ level, msg, ...obj })); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * `count` VMs with one job each, written with SQL in one transaction (the API would take minutes),
 * with the machine summaries the registration and end of each job would have written.
 */
async function fillFleet(knex: Knex, tables: { jobs: string; machines: string; machineSummaries: string }, count: number, nowMs: number): Promise<void> {
  await knex.transaction(async (trx) => {
    for (let from = 0; from < count; from += 500) {
      const names = Array.from({ length: Math.min(500, count - from) }, (_, i) => `vm-${String(from + i).padStart(6, '0')}`);
      await trx(tables.machines).insert(names.map((vm_name) => ({ vm_name, os: 'Debian 12', updated_at: nowMs })));
      await trx(tables.jobs).insert(names.map((vm_name, i) => ({
        id: `job-${vm_name}`, vm_name, repository_id: 'repo-a', backup_type: 'full', status: 'completed',
        bytes_transferred: from + i, total_bytes: from + i, created_at: nowMs - 1000, started_at: nowMs - 1000, completed_at: nowMs,
      })));
      await trx(tables.machineSummaries).insert(names.map((vm_name, i) => ({
        vm_name, first_seen_at: nowMs - 1000, last_job_id: `job-${vm_name}`, last_job_at: nowMs - 1000, last_started_at: nowMs - 1000,
        completed_count: 1, completed_bytes_sum: from + i, completed_duration_ms_sum: 1000,
        last_success_job_id: `job-${vm_name}`, last_success_at: nowMs, last_success_bytes: from + i,
        last_ended_job_id: `job-${vm_name}`, last_ended_at: nowMs, last_ended_status: 'completed',
      })));
    }
  });
}

// The network databases take the fill in one transaction over the wire, so fewer VMs than SQLite.
const FLEET = { sqlite: 40_000, mariadb: 3_000, postgres: 3_000 };

for (const backend of backends()) {
  describe(`fleet reads and bounded error logs on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: TestHub;
    const logger = capturingLogger();
    before(async () => { hub = await startHub(backend, { logger }); });
    after(async () => { await hub?.close(); });

    it(`pages GET /machines through ${FLEET[backend.name].toLocaleString('en')} VMs with each one's newest job`, { timeout: 120_000 }, async () => {
      const count = FLEET[backend.name];
      await fillFleet(hub.plugin.knex, hub.plugin.store.tables, count, Date.now());
      const newer = jobRequest({ id: 'newer-job', vm_name: 'vm-000007' });
      await hub.http.post('/api/v1/backups').send(newer).expect(201);
      const started = performance.now();
      const first = await hub.http.get('/api/v1/machines').expect(200);
      console.log(`# GET /machines (first page of 100) with ${count} VMs on ${backend.name}: ${Math.round(performance.now() - started)} ms, ${(first.text.length / 1024).toFixed(0)} KB`);
      assert.deepEqual([first.body.machines.length, first.body.total], [100, count]);
      type Listed = { vm_name: string; last_job: { backup_id: string; bytes_transferred: number } };
      const machines: Listed[] = [];
      for (let cursor: string | null = ''; cursor !== null;) {
        const page: { body: { machines: Listed[]; next_cursor: string | null } } = await hub.http.get('/api/v1/machines').query({ limit: 500, cursor }).expect(200);
        machines.push(...page.body.machines);
        cursor = page.body.next_cursor;
      }
      assert.equal(machines.length, count);
      const byName = new Map(machines.map((m) => [m.vm_name, m]));
      assert.equal(byName.size, count);
      assert.equal(byName.get('vm-000007')!.last_job.backup_id, 'newer-job');
      assert.equal(byName.get(`vm-${String(count - 1).padStart(6, '0')}`)!.last_job.bytes_transferred, count - 1);
      assert.deepEqual(logger.lines.filter((l) => l.includes('"error"')), []);
    });

    it('logs a failed query in one bounded line that keeps the database reason, over HTTP and ingest alike', async () => {
      const { knex, store } = hub.plugin;
      const id = 'log-job';
      await hub.http.post('/api/v1/backups').send(jobRequest({ id, vm_name: 'log-vm' })).expect(201);
      const trigger = `${store.tables.prefix}refuse_writes`;
      if (backend.name === 'postgres') {
        // PostgreSQL's triggers call a function, which raises the failure.
        await knex.raw(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$`);
        await knex.raw(`CREATE TRIGGER ${trigger} BEFORE INSERT ON ${store.tables.jobs} FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
      } else {
        await knex.raw(backend.name === 'sqlite'
          ? `CREATE TRIGGER ${trigger} BEFORE INSERT ON ${store.tables.jobs} BEGIN SELECT RAISE(ABORT, 'forced failure'); END`
          : `CREATE TRIGGER ${trigger} BEFORE INSERT ON ${store.tables.jobs} FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'forced failure'`);
      }
      try {
        logger.lines.length = 0;
        const longPath = `/srv/${'p'.repeat(1000)}`;
        await hub.http.post('/api/v1/backups').send(jobRequest({ vm_name: 'log-vm', repository_path: longPath })).expect(500);
        await send(hub.http, id, update({ bytes_transferred: 200 })).expect(500);
        const errors = logger.lines.filter((l) => l.includes('"level":"error"'));
        assert.ok(errors.length >= 2, logger.lines.join('\n'));
        for (const line of errors) assert.ok(line.length < LOGGED_ERROR_MAX_CHARS + 400, `a ${line.length}-character log line`);
        const cut = errors.filter((l) => l.includes('characters cut'));
        assert.ok(cut.length >= 1, 'a query error carrying its SQL was cut');
        for (const line of cut) assert.match(line, /forced failure/, 'the database reason at the end of a query error is kept');
      } finally {
        if (backend.name === 'postgres') {
          await knex.raw(`DROP TRIGGER ${trigger} ON ${store.tables.jobs}`);
          await knex.raw(`DROP FUNCTION ${trigger}()`);
        } else {
          await knex.raw(`DROP TRIGGER ${trigger}`);
        }
      }
    });
  });
}
