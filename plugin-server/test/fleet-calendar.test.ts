import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CalendarCell, FleetCalendarResponse, MachineListResponse } from '@backup-telemetry/contract';
import { calendarDays, dayOutcome, localDate, offsetSegments, zoneOffsetMs } from '../src/fleet/calendar.js';
import { rebuildSummaries } from '../src/fleet/rebuild.js';
import { backends, startHub, type Backend, type TestHub } from './support/backends.js';
import { registerJob, update } from './support/factories.js';

// bench/fleet's SQL generator (plain JavaScript, loaded at run time: it has no types).
const generatorUrl = new URL('../../bench/fleet/generate.mjs', import.meta.url).href;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Wednesday 2026-11-25, 23:59 UTC: a minute before midnight. */
const EVE = Date.UTC(2026, 10, 25, 23, 59);

/** A hub on a clock the test moves forward, and a factory of jobs created now and ended `durationMs` later. */
async function clockedHub(backend: Backend, startMs: number, options: Parameters<typeof startHub>[1] = {}) {
  let clock = startMs;
  const hub = await startHub(backend, { now: () => clock, ...options });
  const at = (ms: number) => {
    assert.ok(ms >= clock, 'the clock only moves forward');
    clock = ms;
  };
  const job = async (vm_name: string, end: 'completed' | 'failed' | 'cancelled' | 'running' | 'pending', durationMs = 0) => {
    const id = await registerJob(hub.http, { vm_name, disks: [] });
    if (end === 'pending') return id;
    await hub.plugin.ingest.submit('backup', id, update({ bytes_transferred: 10 }));
    if (end === 'running') return id;
    if (durationMs) at(clock + durationMs);
    await hub.plugin.ingest.submit('backup', id, update({ status: end, bytes_transferred: 10, ...(end === 'failed' ? { error: 'NBD connection reset by peer' } : {}) }));
    return id;
  };
  return { hub, at, job, now: () => clock };
}

async function calendar(hub: TestHub, query: Record<string, string | number>): Promise<FleetCalendarResponse> {
  return (await hub.http.get('/api/v1/fleet/calendar').query(query).expect(200)).body as FleetCalendarResponse;
}

/** Every page of a listing (`/machines` or `/fleet/calendar`), following next_cursor. */
async function walk(hub: TestHub, path: string, query: Record<string, string | number>): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  for (let cursor: string | null = null, pages = 1; ; pages++) {
    const page = (await hub.http.get(`/api/v1${path}`).query({ ...query, ...(cursor ? { cursor } : {}) }).expect(200)).body as MachineListResponse | FleetCalendarResponse;
    names.push(...page.machines.map((m) => m.vm_name));
    if (!page.next_cursor) return { names, pages };
    cursor = page.next_cursor;
  }
}

const brief = (c: CalendarCell) => `${c.date} ${c.outcome} ${c.jobs}:${c.completed}/${c.failed}/${c.cancelled}/${c.running}`;

describe('a calendar day\'s outcome (pure)', () => {
  const day = (completed: number, failed: number, cancelled: number, running: number) => dayOutcome({ jobs: completed + failed + cancelled + running, completed, failed, cancelled, running });
  it('is mixed with a success and a failure, a failure outweighs a cancel, a success a cancel, running until one ends', () => {
    assert.equal(day(0, 0, 0, 0), 'none');
    assert.equal(day(2, 1, 0, 0), 'mixed');
    assert.equal(day(0, 1, 3, 1), 'failed');
    assert.equal(day(1, 0, 2, 1), 'success');
    assert.equal(day(0, 0, 1, 1), 'cancelled');
    assert.equal(day(0, 0, 0, 2), 'running');
  });
  it('finds a zone\'s offset changes to the millisecond, and its local dates', () => {
    const fall = Date.UTC(2026, 9, 25, 1); // Berlin: 03:00 CEST becomes 02:00 CET
    assert.deepEqual(offsetSegments('Europe/Berlin', Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 30)), [{ untilMs: fall, offsetMs: 2 * HOUR }, { untilMs: null, offsetMs: HOUR }]);
    assert.deepEqual(offsetSegments('UTC', 0, 90 * DAY), [{ untilMs: null, offsetMs: 0 }]);
    assert.equal(zoneOffsetMs('Asia/Kathmandu', fall), 5 * HOUR + 45 * MINUTE);
    assert.equal(zoneOffsetMs('America/New_York', fall), -4 * HOUR);
    assert.equal(localDate('America/New_York', Date.UTC(2026, 11, 2, 3)), '2026-12-01');
    assert.deepEqual(calendarDays(Date.UTC(2026, 11, 1, 23, 30), 2, 'Asia/Tokyo').dates, ['2026-12-01', '2026-12-02']);
  });
  it('lists the last days in UTC, today last', () => {
    assert.deepEqual(calendarDays(Date.UTC(2026, 0, 2, 0, 0, 0, 1), 3), { dates: ['2025-12-31', '2026-01-01', '2026-01-02'], startMs: Date.UTC(2025, 11, 31) });
    assert.deepEqual(calendarDays(Date.UTC(2026, 0, 1, 23, 59, 59, 999), 1).dates, ['2026-01-01']);
  });
});

for (const backend of backends()) {
  describe(`GET /fleet/calendar on ${backend.name}`, { skip: backend.skip }, () => {
    it('counts each VM\'s jobs on the UTC day they were created, across midnight, with that day\'s outcome', async () => {
      const t = await clockedHub(backend, EVE);
      try {
        await t.job('web-01', 'completed', 2 * MINUTE); // created 11-25 23:59, ended after midnight: 11-25's
        await t.job('web-01', 'failed', 10 * MINUTE); // 11-26 00:01
        t.at(Date.UTC(2026, 10, 26, 9));
        await t.job('web-01', 'completed');
        await t.job('db-01', 'cancelled');
        t.at(Date.UTC(2026, 10, 27, 23, 59, 59, 999));
        await t.job('web-01', 'failed');
        await t.job('db-01', 'cancelled');
        await t.job('db-01', 'failed');
        t.at(Date.UTC(2026, 10, 28, 0, 0, 0, 0));
        await t.job('db-01', 'running');
        await t.job('db-01', 'pending');
        t.at(Date.UTC(2026, 10, 28, 15));

        const cal = await calendar(t.hub, { days: 4 });
        assert.deepEqual(cal.days, ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28']);
        assert.equal(cal.total, 2);
        assert.equal(cal.next_cursor, null);
        const rows = Object.fromEntries(cal.machines.map((m) => [m.vm_name, m.cells.map(brief)]));
        assert.deepEqual(rows, {
          'db-01': ['2026-11-25 none 0:0/0/0/0', '2026-11-26 cancelled 1:0/0/1/0', '2026-11-27 failed 2:0/1/1/0', '2026-11-28 running 2:0/0/0/2'],
          'web-01': ['2026-11-25 success 1:1/0/0/0', '2026-11-26 mixed 2:1/1/0/0', '2026-11-27 failed 1:0/1/0/0', '2026-11-28 none 0:0/0/0/0'],
        });
        const web = cal.machines.find((m) => m.vm_name === 'web-01')!;
        assert.deepEqual(Object.keys(web.protection).sort(), ['reason', 'status']);
        assert.equal(web.protection.status, 'at_risk', 'its newest success is 54 h old (RPO 24 h)');
        const listed = (await t.hub.http.get('/api/v1/machines').expect(200)).body as MachineListResponse;
        assert.deepEqual(cal.machines.map((m) => m.protection), listed.machines.map((m) => ({ status: m.protection.status, reason: m.protection.reason })));
        assert.equal((await calendar(t.hub, { days: 3 })).machines.find((m) => m.vm_name === 'web-01')!.cells[0]!.date, '2026-11-26', 'older jobs are outside');
      } finally {
        await t.hub.close();
      }
    });

    it('pages, filters and sorts exactly as GET /machines does, with its cursor', async () => {
      const t = await clockedHub(backend, EVE);
      try {
        for (let i = 0; i < 7; i++) await t.job(`web-${i}`, i % 3 === 0 ? 'failed' : 'completed');
        for (let i = 0; i < 4; i++) await t.job(`db-${i}`, 'completed');
        t.at(EVE + 2 * DAY); // everything is now past its 24 h RPO: at risk
        await t.job('web-5', 'completed');
        await t.job('db-2', 'completed');
        for (const query of [{ limit: 3 }, { limit: 2, q: 'WEB' }, { limit: 2, status: 'protected' }, { limit: 4, sort: 'status', order: 'desc' }, { limit: 3, sort: 'last_backup' }] as Record<string, string | number>[]) {
          const machines = await walk(t.hub, '/machines', query);
          const cal = await walk(t.hub, '/fleet/calendar', { ...query, days: 7 });
          assert.deepEqual(cal, machines, JSON.stringify(query));
        }
        const first = await calendar(t.hub, { limit: 2, q: 'web', days: 7 });
        assert.deepEqual([first.total, first.machines.length, first.machines[0]!.cells.length], [7, 2, 7]);
        const protectedOnly = await calendar(t.hub, { status: 'protected' });
        assert.deepEqual(protectedOnly.machines.map((m) => m.vm_name), ['db-2', 'web-5']);
        assert.deepEqual(protectedOnly.machines[1]!.cells.slice(-3).map((c) => c.outcome), ['success', 'none', 'success']);
        assert.equal(protectedOnly.days.length, 30, 'days defaults to 30');
      } finally {
        await t.hub.close();
      }
    });

    it('refuses bad parameters with 400 naming the field', async () => {
      const t = await clockedHub(backend, EVE);
      try {
        await t.job('web-01', 'completed');
        await t.job('web-02', 'completed');
        const bad = async (query: string, field: string) => {
          const { body } = await t.hub.http.get(`/api/v1/fleet/calendar?${query}`).expect(400);
          assert.deepEqual([body.error.status, body.error.code, body.error.field, typeof body.error.message], [400, 'invalid_field', field, 'string'], JSON.stringify(body));
        };
        await bad('days=0', 'days');
        await bad('days=91', 'days');
        await bad('days=7.5', 'days');
        await bad('days=week', 'days');
        await bad('days=7&days=8', 'days');
        await bad('limit=501', 'limit');
        await bad('status=lost', 'status');
        await bad('sort=size', 'sort');
        await bad('cursor=not-a-cursor', 'cursor');
        const byName = await calendar(t.hub, { limit: 1 });
        await bad(`sort=status&cursor=${byName.next_cursor}`, 'cursor');
        assert.equal((await calendar(t.hub, { days: 90 })).days.length, 90);
        assert.equal((await calendar(t.hub, { days: 1 })).days.length, 1);
      } finally {
        await t.hub.close();
      }
    });

    it('asks authorizeViewer with {fleet: true}', async () => {
      const asked: unknown[] = [];
      const t = await clockedHub(backend, EVE, { authorizeViewer: (_req, target) => { asked.push(target); return !target.fleet; } });
      try {
        await t.hub.http.get('/api/v1/fleet/calendar').expect(403);
        assert.deepEqual(asked, [{ fleet: true }]);
      } finally {
        await t.hub.close();
      }
    });

    it('answers a 500-VM page of a 10,000-VM fleet with one grouped read of the jobs', async () => {
      const { generateFleet, vmName } = await import(generatorUrl);
      const nowMs = Date.UTC(2026, 10, 30, 12);
      const hub = await startHub(backend, { now: () => nowMs });
      try {
        const { knex, tables } = hub.plugin.store;
        await generateFleet(knex, tables, { vms: 10_000, jobsPerVm: 3, nowMs });
        await rebuildSummaries(knex, tables);
        const seen: string[] = [];
        // Only the statements of the request: the notification deliverer polls on its own.
        const onQuery = (q: { sql: string }) => { if (!q.sql.includes('notification')) seen.push(q.sql); };
        knex.on('query', onQuery);
        let cal: FleetCalendarResponse;
        try {
          cal = await calendar(hub, { limit: 500, days: 7 });
        } finally {
          knex.off('query', onQuery);
        }
        assert.equal(cal.total, 10_000);
        assert.equal(cal.machines.length, 500);
        assert.equal(cal.machines[0]!.vm_name, vmName(0));
        const jobReads = seen.filter((sql) => sql.includes(`\`${tables.jobs}\``) || sql.includes(`"${tables.jobs}"`));
        assert.equal(jobReads.length, 1, jobReads.join('\n'));
        assert.match(jobReads[0]!, /group by/i);
        assert.equal(seen.length, 3, `the page, its count and the jobs: ${seen.join('\n')}`);
        // VM 0 starts nightly 3 h before the clock: one job on each of the last 3 days.
        assert.deepEqual(cal.machines[0]!.cells.map((c) => c.jobs), [0, 0, 0, 0, 1, 1, 1]);
        // VM 7 stopped 4 days ago (every 50th VM): its 3 jobs are 4 days older.
        assert.deepEqual(cal.machines[7]!.cells.map((c) => c.jobs), [1, 1, 1, 0, 0, 0, 0]);
        assert.equal(cal.machines.reduce((n, m) => n + m.cells.reduce((k, c) => k + c.jobs, 0), 0), 1500);
      } finally {
        await hub.close();
      }
    });

    it('counts days in the time zone asked for, across a daylight-saving change', async () => {
      // Berlin leaves summer time on 2026-10-25 at 01:00 UTC.
      const t = await clockedHub(backend, Date.UTC(2026, 9, 24, 22, 30)); // 10-25 00:30 CEST
      try {
        await t.job('web-01', 'completed');
        t.at(Date.UTC(2026, 9, 25, 22, 30)); // 10-25 23:30 CET
        await t.job('web-01', 'failed');
        t.at(Date.UTC(2026, 9, 25, 23, 30)); // 10-26 00:30 CET
        await t.job('web-01', 'completed');
        t.at(Date.UTC(2026, 9, 26, 12));
        const berlin = await calendar(t.hub, { days: 3, tz: 'Europe/Berlin' });
        assert.equal(berlin.tz, 'Europe/Berlin');
        assert.deepEqual(berlin.machines[0]!.cells.map(brief), ['2026-10-24 none 0:0/0/0/0', '2026-10-25 mixed 2:1/1/0/0', '2026-10-26 success 1:1/0/0/0']);
        const utc = await calendar(t.hub, { days: 3 });
        assert.equal(utc.tz, 'UTC');
        assert.deepEqual(utc.machines[0]!.cells.map(brief), ['2026-10-24 success 1:1/0/0/0', '2026-10-25 mixed 2:1/1/0/0', '2026-10-26 none 0:0/0/0/0']);
        // UTC-7 until Nov 1: the first job is 10-24 15:30 there, read (the range starts early) and left out by its date.
        const la = await calendar(t.hub, { days: 2, tz: 'America/Los_Angeles' });
        assert.deepEqual(la.machines[0]!.cells.map(brief), ['2026-10-25 mixed 2:1/1/0/0', '2026-10-26 none 0:0/0/0/0']);
        for (const tz of ['Mars/Olympus', 'UTC+2', 'x'.repeat(65)]) {
          const { body } = await t.hub.http.get('/api/v1/fleet/calendar').query({ tz }).expect(400);
          assert.equal(body.error.field, 'tz', tz);
        }
        assert.equal((await calendar(t.hub, { tz: 'europe/berlin' })).tz, 'Europe/Berlin', 'named as the zone database spells it');
      } finally {
        await t.hub.close();
      }
    });
  });
}
