import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MACHINE_SORTS, type Machine, type MachineListResponse, type MachineSort } from '@backup-telemetry/contract';
import { STATUS_SEVERITY } from '../src/protection/status-sql.js';
import { backends, startHub, type Backend, type TestHub } from './support/backends.js';
import { registerJob, update } from './support/factories.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A hub on a clock the test moves (forward only), with the default policy (RPO 24 h, grace 60 min). */
async function clockedHub(backend: Backend, startMs: number, options: Parameters<typeof startHub>[1] = {}) {
  let clock = startMs;
  const hub = await startHub(backend, { now: () => clock, ...options });
  const at = (ms: number) => {
    assert.ok(ms >= clock, 'the clock only moves forward');
    clock = ms;
  };
  /** A job of `vm_name` registered now and ended (or left running / pending) `durationMs` later. */
  const job = async (vm_name: string, end: 'completed' | 'failed' | 'cancelled' | 'running' | 'pending', bytes = 0, durationMs = 0) => {
    const id = await registerJob(hub.http, { vm_name, disks: [] });
    if (end === 'pending') return id;
    await hub.plugin.ingest.submit('backup', id, update({ bytes_transferred: end === 'running' ? bytes : 0 }));
    if (end === 'running') return id;
    if (durationMs) at(clock + durationMs);
    await hub.plugin.ingest.submit('backup', id, update({ status: end, bytes_transferred: bytes, ...(end === 'failed' ? { error: 'NBD connection reset by peer' } : {}) }));
    return id;
  };
  return { hub, at, job, now: () => clock };
}

async function notMonitored(hub: TestHub, vm_name: string, nowMs: number) {
  await hub.plugin.store.policies.upsert(hub.plugin.knex, {
    vm_name, rpo_hours: null, grace_minutes: 60, schedule_cron: null, schedule_tz: null, schedule_basis_at: null, next_expected_at: null, updated_at: nowMs,
  });
}

async function list(hub: TestHub, query: Record<string, string | number>): Promise<MachineListResponse> {
  return (await hub.http.get('/api/v1/machines').query(query).expect(200)).body as MachineListResponse;
}

/** Every page of a listing, following next_cursor. */
async function walk(hub: TestHub, query: Record<string, string | number>): Promise<{ names: string[]; pages: number; totals: number[] }> {
  const names: string[] = [];
  const totals: number[] = [];
  let pages = 0;
  for (let cursor: string | null = null; ; pages++) {
    const page = await list(hub, { ...query, ...(cursor ? { cursor } : {}) });
    names.push(...page.machines.map((m) => m.vm_name));
    totals.push(page.total);
    if (!page.next_cursor) return { names, pages: pages + 1, totals };
    assert.ok(page.machines.length === Number(query.limit), 'only the last page is short');
    cursor = page.next_cursor;
  }
}

const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : -1);

/** The order a sort promises, told from the rows it returns: key, then name, both in the listing's order. */
function ordered(sort: MachineSort, order: 'asc' | 'desc') {
  const key = (m: Machine): number => {
    if (sort === 'status') return STATUS_SEVERITY.indexOf(m.protection.status);
    if (sort === 'last_success') return ms(m.protection.last_success_at);
    if (sort === 'last_backup') return ms(m.last_job?.started_at);
    return 0;
  };
  const sign = order === 'asc' ? 1 : -1;
  return (a: Machine, b: Machine) => sign * ((key(a) - key(b)) || bytewise(a.vm_name, b.vm_name));
}

function expectInvalid(body: { error: { status: number; code: string; field: string } }, field: string) {
  assert.deepEqual([body.error.status, body.error.code, body.error.field], [400, 'invalid_field', field], JSON.stringify(body));
}

for (const backend of backends()) {
  describe(`fleet API on ${backend.name}`, { skip: backend.skip }, () => {
    it('summarizes the fleet: VMs by protection status, running and pending jobs, 24 h / 7 d / 30 d windows and bytes protected', async () => {
      const t = await clockedHub(backend, T0 - 40 * DAY);
      try {
        await t.job('very-old', 'completed', 100, MINUTE); // ended 40 days ago: at risk, in no window
        t.at(T0 - 10 * DAY);
        await t.job('ancient', 'completed', 200, MINUTE); // 30 d window only
        t.at(T0 - 30 * HOUR);
        await t.job('old-ok', 'completed', 300, MINUTE); // 7 d window; 30 h old: past RPO + grace
        t.at(T0 - 3 * HOUR);
        await t.job('flaky', 'completed', 500, MINUTE);
        t.at(T0 - 2 * HOUR);
        await t.job('fresh', 'completed', 400, MINUTE);
        await t.job('unmon', 'completed', 600, MINUTE);
        await notMonitored(t.hub, 'unmon', t.now());
        t.at(T0 - HOUR);
        await t.job('flaky', 'failed', 50, MINUTE);
        t.at(T0 - 10 * MINUTE);
        await t.job('never', 'running', 70);
        await t.job('waiting', 'pending');
        t.at(T0);

        const summary = (await t.hub.http.get('/api/v1/fleet/summary').expect(200)).body;
        assert.deepEqual(summary.machines, { total: 8, by_protection: { protected: 1, warning: 1, at_risk: 3, pending: 2, unmonitored: 1 } });
        assert.deepEqual([summary.running_jobs, summary.pending_jobs], [1, 1]);
        assert.deepEqual(summary.windows['24h'], { by_status: { completed: 3, failed: 1, cancelled: 0 }, completed_with_warnings: 0, total: 4, success_rate_percent: 75, bytes_transferred: 1550 });
        assert.deepEqual(summary.windows['7d'], { by_status: { completed: 4, failed: 1, cancelled: 0 }, completed_with_warnings: 0, total: 5, success_rate_percent: 80, bytes_transferred: 1850 });
        assert.deepEqual(summary.windows['30d'], { by_status: { completed: 5, failed: 1, cancelled: 0 }, completed_with_warnings: 0, total: 6, success_rate_percent: 83.3, bytes_transferred: 2050 });
        assert.equal(summary.bytes_protected, 100 + 200 + 300 + 500 + 400 + 600, 'each VM\'s newest successful backup');
        assert.equal(summary.generated_at, new Date(T0).toISOString());

        // The same VMs listed by status, and filtered.
        const byStatus = await list(t.hub, { sort: 'status' });
        assert.deepEqual(byStatus.machines.map((m) => [m.vm_name, m.protection.status]), [
          ['ancient', 'at_risk'], ['old-ok', 'at_risk'], ['very-old', 'at_risk'], ['flaky', 'warning'],
          ['never', 'pending'], ['waiting', 'pending'], ['fresh', 'protected'], ['unmon', 'unmonitored'],
        ]);
        const urgent = await list(t.hub, { status: 'pending,warning', sort: 'name' });
        assert.deepEqual([urgent.machines.map((m) => m.vm_name), urgent.total, urgent.next_cursor], [['flaky', 'never', 'waiting'], 3, null]);
        const bySuccess = await list(t.hub, { sort: 'last_success' });
        assert.deepEqual(bySuccess.machines.map((m) => m.vm_name), ['unmon', 'fresh', 'flaky', 'old-ok', 'ancient', 'very-old', 'waiting', 'never'], 'newest success first, never-succeeded last');
        const flaky = byStatus.machines.find((m) => m.vm_name === 'flaky')!;
        assert.deepEqual([flaky.last_job?.status, flaky.last_job?.error_message, flaky.protection.consecutive_failures], ['failed', 'NBD connection reset by peer', 1]);
        assert.equal('performance_metrics' in flaky.last_job!, false, 'lists carry no chart data');
        assert.equal(byStatus.machines.find((m) => m.vm_name === 'never')!.last_job?.status, 'running');
      } finally {
        await t.hub.close();
      }
    });

    it('windows start at the 10-minute bucket that holds now minus the window', async () => {
      const t = await clockedHub(backend, T0 - DAY - 5 * MINUTE);
      try {
        await t.job('edge-out', 'completed', 1); // ends in the bucket before the 24 h window's first
        t.at(T0 - DAY + 2 * MINUTE);
        await t.job('edge-in', 'completed', 2); // 24 h 3 min ago, but in the window's first bucket
        t.at(T0 + 5 * MINUTE);
        const summary = (await t.hub.http.get('/api/v1/fleet/summary').expect(200)).body;
        assert.deepEqual([summary.windows['24h'].total, summary.windows['24h'].bytes_transferred], [1, 2]);
        assert.equal(summary.windows['7d'].total, 2);
      } finally {
        await t.hub.close();
      }
    });

    it('pages every VM exactly once, in order, for each sort and order', { timeout: 120_000 }, async () => {
      const t = await clockedHub(backend, T0);
      try {
        const outcomes = ['completed', 'failed', 'completed', 'cancelled', 'running', 'pending', 'completed'] as const;
        for (let i = 0; i < 31; i++) {
          // Several VMs share each end time, so ties on the sort key are broken by name across pages.
          if (i % 3 === 0) t.at(t.now() + 7 * HOUR);
          await t.job(`vm-${String((i * 17) % 31).padStart(2, '0')}`, outcomes[i % outcomes.length]!, i);
        }
        await t.job('vm-05', 'completed', 9); // a VM with two jobs lists once
        await notMonitored(t.hub, 'vm-11', t.now());
        t.at(t.now() + 20 * HOUR);
        const everyone = (await list(t.hub, { limit: 500 })).machines.map((m) => m.vm_name).sort(bytewise);
        assert.equal(everyone.length, 31);
        for (const sort of MACHINE_SORTS) {
          for (const order of ['asc', 'desc'] as const) {
            const full = await list(t.hub, { sort, order, limit: 500 });
            assert.deepEqual(full.machines, [...full.machines].sort(ordered(sort, order)), `${sort} ${order} is sorted`);
            for (const limit of [1, 4, 7]) {
              const walked = await walk(t.hub, { sort, order, limit });
              assert.deepEqual(walked.names, full.machines.map((m) => m.vm_name), `${sort} ${order} by ${limit}`);
              assert.equal(walked.pages, Math.ceil(31 / limit));
              assert.ok(walked.totals.every((n) => n === 31));
            }
          }
        }
        // The default order: names ascending, dates newest first.
        assert.deepEqual((await list(t.hub, {})).machines.map((m) => m.vm_name), everyone);
        assert.deepEqual((await list(t.hub, { sort: 'last_backup' })).machines.map((m) => m.vm_name), (await list(t.hub, { sort: 'last_backup', order: 'desc' })).machines.map((m) => m.vm_name));
        // Filtered paging walks the matches only.
        const risky = await walk(t.hub, { status: 'at_risk,warning', sort: 'status', limit: 2 });
        const expected = (await list(t.hub, { limit: 500 })).machines.filter((m) => ['at_risk', 'warning'].includes(m.protection.status)).length;
        assert.ok(expected > 0);
        assert.equal(risky.names.length, expected);
        assert.ok(risky.totals.every((n) => n === expected));
        // Filtered and sorted by a date, both ways: the matches in the full listing's order, page by page.
        for (const order of ['asc', 'desc'] as const) {
          const all = (await list(t.hub, { sort: 'last_success', order, limit: 500 })).machines
            .filter((m) => ['at_risk', 'warning'].includes(m.protection.status)).map((m) => m.vm_name);
          const paged = await walk(t.hub, { status: 'at_risk,warning', sort: 'last_success', order, limit: 3 });
          assert.deepEqual(paged.names, all, `at_risk,warning by last_success ${order}`);
        }
      } finally {
        await t.hub.close();
      }
    });

    it('finds VMs by a case-insensitive name substring, taking %, _, \\ and ! literally; names come back as sent', async () => {
      const t = await clockedHub(backend, T0);
      const names = ['disk-50%-full', 'disk-500-full', 'a_b', 'axb', 'back\\slash', 'backslash', 'bang!', 'bang', 'web-01', 'Web-02', '<img src=x onerror=alert(1)>', 'zürich "quoted"', 'ÅRHUS-1'];
      try {
        for (const name of names) await t.job(name, 'completed', 1);
        const found = async (q: string) => (await list(t.hub, { q })).machines.map((m) => m.vm_name);
        assert.deepEqual(await found('50%'), ['disk-50%-full']);
        assert.deepEqual(await found('a_b'), ['a_b']);
        assert.deepEqual(await found('k\\s'), ['back\\slash']);
        assert.deepEqual(await found('g!'), ['bang!']);
        assert.deepEqual(await found('WEB-0'), ['Web-02', 'web-01']);
        assert.deepEqual(await found('onerror='), ['<img src=x onerror=alert(1)>']);
        assert.deepEqual(await found('"quoted"'), ['zürich "quoted"']);
        // Letters beyond ASCII fold on MariaDB and PostgreSQL (in the database's locale); SQLite's LOWER knows ASCII only.
        assert.deepEqual(await found('zÜrich'), ['zürich "quoted"']);
        assert.deepEqual(await found('århus'), backend.name === 'sqlite' ? [] : ['ÅRHUS-1']);
        const q = await list(t.hub, { q: 'disk', limit: 1 });
        assert.deepEqual([q.total, q.machines.length, typeof q.next_cursor], [2, 1, 'string']);
        const all = (await list(t.hub, {})).machines.map((m) => m.vm_name);
        assert.deepEqual(all, [...names].sort(bytewise));
        const one = (await t.hub.http.get(`/api/v1/machines/${encodeURIComponent('<img src=x onerror=alert(1)>')}`).expect(200)).body;
        assert.equal(one.vm_name, '<img src=x onerror=alert(1)>');
        assert.equal(one.last_job.vm_name, '<img src=x onerror=alert(1)>');
      } finally {
        await t.hub.close();
      }
    });

    it('refuses bad parameters with 400 naming the field, and keeps limits at 1 to 500', async () => {
      const t = await clockedHub(backend, T0);
      try {
        for (let i = 0; i < 3; i++) await t.job(`lim-${i}`, 'completed');
        const bad = async (query: string, field: string) => expectInvalid((await t.hub.http.get(`/api/v1/machines?${query}`).expect(400)).body, field);
        await bad('limit=0', 'limit');
        await bad('limit=501', 'limit');
        await bad('limit=ten', 'limit');
        await bad('limit=1.5', 'limit');
        await bad('sort=size', 'sort');
        await bad('order=up', 'order');
        await bad('status=lost', 'status');
        await bad('status=at_risk,lost', 'status');
        await bad('status=at_risk&status=warning', 'status');
        await bad(`q=${'x'.repeat(256)}`, 'q');
        await bad('cursor=not-a-cursor', 'cursor');
        await bad(`cursor=${Buffer.from('{"a":1}').toString('base64url')}`, 'cursor');
        const byName = await list(t.hub, { limit: 1 });
        await bad(`sort=status&cursor=${byName.next_cursor}`, 'cursor'); // a cursor of another sort
        await bad(`order=desc&cursor=${byName.next_cursor}`, 'cursor');
        assert.equal((await list(t.hub, { limit: 500 })).machines.length, 3);
        assert.equal((await list(t.hub, { limit: 1 })).machines.length, 1);
        const second = await list(t.hub, { limit: 1, cursor: byName.next_cursor! });
        assert.deepEqual(second.machines.map((m) => m.vm_name), ['lim-1']);
      } finally {
        await t.hub.close();
      }
    });

    it('asks authorizeViewer with {fleet: true} for the fleet summary', async () => {
      const asked: unknown[] = [];
      const t = await clockedHub(backend, T0, { authorizeViewer: (_req, target) => { asked.push(target); return !target.fleet; } });
      try {
        const refused = (await t.hub.http.get('/api/v1/fleet/summary').expect(403)).body;
        assert.equal(refused.error.code, 'forbidden');
        assert.deepEqual(asked, [{ fleet: true }]);
        await t.hub.http.get('/api/v1/machines').expect(200);
      } finally {
        await t.hub.close();
      }
    });
  });
}
