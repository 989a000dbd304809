import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobLogEntry, JobLogResponse } from '@backup-telemetry/contract';
import { LOG_BOUNDS, trimOf } from '../src/joblog/entries.js';
import { backends, startHub, uniquePrefix } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { next, request, startLiveHub } from './support/live.js';

type Http = Awaited<ReturnType<typeof startHub>>['http'];

const logOf = async (http: Http, id: string, query = ''): Promise<JobLogResponse> =>
  (await http.get(`/api/v1/backups/${id}/log${query}`).expect(200)).body;
const lines = (entries: JobLogEntry[]) => entries.map((e) => `${e.source}/${e.level}: ${e.message}`);
const client = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ level: 'info' as const, message: `line ${from + i}` }));

describe('session log bounds (pure)', () => {
  it('drops nothing while a running job is within its first 20 and newest 200 entries', () => {
    assert.equal(trimOf({ id: 'j', log_count: 220 }, false), null);
    assert.deepEqual(trimOf({ id: 'j', log_count: 221 }, false), { job_id: 'j', above: 20, upTo: 21 });
  });
  it('keeps the first 10 and the newest 30 of an ended job, cut to 200 characters', () => {
    assert.deepEqual(trimOf({ id: 'j', log_count: 100 }, true), { job_id: 'j', above: 10, upTo: 70, cutToChars: 200 });
    assert.deepEqual(trimOf({ id: 'j', log_count: 5 }, true), { job_id: 'j', above: 10, upTo: 10, cutToChars: 200 });
  });
});

for (const backend of backends()) {
  describe(`session log on ${backend.name}`, { skip: backend.skip }, () => {
    it('records the hub\'s steps and the client\'s lines in order, and the end with its warnings', async () => {
      const hub = await startHub(backend);
      try {
        const id = await registerJob(hub.http, { vm_name: 'db-01', repository_id: 'repo-b', backup_type: 'incremental' });
        await send(hub.http, id, update({ current_phase: 'scanning', log: [{ level: 'info', message: 'using parent snapshot 4f2a' }] })).expect(200);
        await send(hub.http, id, update({ current_phase: 'scanning', log: [{ level: 'warning', message: 'open /srv/locked.db: permission denied' }], warnings_count: 1 })).expect(200);
        await send(hub.http, id, update({ current_phase: 'transferring' })).expect(200);
        await send(hub.http, id, { status: 'completed', warnings_count: 2, log: [{ level: 'error', message: 'read /srv/gone: no such file' }] }).expect(200);

        const log = await logOf(hub.http, id);
        assert.deepEqual(lines(log.entries), [
          'hub/info: Registered: incremental backup of db-01 to repository repo-b',
          'hub/info: Phase: scanning',
          'client/info: using parent snapshot 4f2a',
          'client/warning: open /srv/locked.db: permission denied',
          'hub/info: Phase: transferring',
          'client/error: read /srv/gone: no such file',
          'hub/warning: Completed with 2 warnings',
        ]);
        assert.deepEqual(log.entries.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
        assert.equal(log.total_count, 7);
        assert.equal(log.dropped_count, 0);
        assert.equal(log.next_after, null);
        const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
        assert.equal(job.status, 'completed');
        assert.equal(job.warnings_count, 2);

        const first = await logOf(hub.http, id, '?limit=3');
        assert.deepEqual(first.entries.map((e) => e.seq), [1, 2, 3]);
        assert.equal(first.next_after, 3);
        const rest = await logOf(hub.http, id, `?after=${first.next_after}&limit=3`);
        assert.deepEqual(rest.entries.map((e) => e.seq), [4, 5, 6]);
      } finally {
        await hub.close();
      }
    });

    it('keeps a client\'s text exactly as sent, control characters and markup included', async () => {
      const hub = await startHub(backend);
      try {
        const id = await registerJob(hub.http);
        const message = 'bell\u0007 tab\t <img src=x onerror=alert(1)> \u202Eexe.txt \uD800';
        await send(hub.http, id, update({ log: [{ level: 'error', message }] })).expect(200);
        const entry = (await logOf(hub.http, id)).entries.find((e) => e.source === 'client')!;
        assert.equal(entry.message, message.replace('\uD800', '\uFFFD'));
      } finally {
        await hub.close();
      }
    });

    it('refuses a bad log line with 400 naming it, and stores nothing of that update', async () => {
      const hub = await startHub(backend);
      try {
        const id = await registerJob(hub.http);
        const cases: [unknown, string][] = [
          [[{ level: 'info', message: 'a' }, { level: 'info', message: 'b' }, { level: 'info', message: 'x'.repeat(1001) }], 'log[2].message'],
          [[{ level: 'debug', message: 'a' }], 'log[0].level'],
          [[{ level: 'info', message: 'a' }, { level: 'info', message: 'b', at: 'yesterday' }], 'log[1].at'],
          [[{ level: 'info' }], 'log[0].message'],
          [client(11), 'log'],
          ['text', 'log'],
        ];
        for (const [log, field] of cases) {
          const res = await send(hub.http, id, update({ current_phase: 'other', log: log as never })).expect(400);
          assert.equal(res.body.error.field, field, JSON.stringify(log).slice(0, 80));
          assert.equal(res.body.error.status, 400);
        }
        const bad = await send(hub.http, id, update({ warnings_count: -1 })).expect(400);
        assert.equal(bad.body.error.field, 'warnings_count');
        const log = await logOf(hub.http, id);
        assert.deepEqual(lines(log.entries), ['hub/info: Registered: full backup of web-01 to repository repo-a']);
      } finally {
        await hub.close();
      }
    });

    it('keeps the first 20 and newest 200 entries of a chatty running job, and the first 10 and newest 30 once it ended', async () => {
      const hub = await startHub(backend);
      try {
        const id = await registerJob(hub.http);
        for (let i = 0; i < 30; i++) await send(hub.http, id, update({ current_phase: 'transferring', log: client(10, i * 10) })).expect(200);
        // 1 registration + 1 phase + 300 lines
        const running = await logOf(hub.http, id, '?limit=500');
        assert.equal(running.total_count, 302);
        assert.equal(running.entries.length, LOG_BOUNDS.running.first + LOG_BOUNDS.running.newest);
        assert.equal(running.dropped_count, 302 - 220);
        assert.deepEqual(running.entries.slice(0, 21).map((e) => e.seq), [...Array.from({ length: 20 }, (_, i) => i + 1), 103]);
        assert.equal(running.entries.at(-1)!.message, 'line 299');

        await send(hub.http, id, { status: 'failed', error: `disk full ${'x'.repeat(900)}` }).expect(200);
        const ended = await logOf(hub.http, id, '?limit=500');
        assert.equal(ended.total_count, 303);
        assert.equal(ended.entries.length, 40);
        assert.equal(ended.dropped_count, 303 - 40);
        assert.deepEqual(ended.entries.slice(9, 11).map((e) => e.seq), [10, 274]);
        const last = ended.entries.at(-1)!;
        assert.equal(last.level, 'error');
        assert.equal(last.message.length, 200);
        assert.ok(last.message.startsWith('Failed: disk full xx') && last.message.endsWith('…'));
        assert.ok(ended.entries.reduce((n, e) => n + e.message.length, 0) <= 40 * 200);
      } finally {
        await hub.close();
      }
    });

    it('pushes new entries live to the job\'s room as job:log', async () => {
      const hub = await startLiveHub(backend);
      try {
        const id = await registerJob(hub.http);
        const viewer = await hub.client();
        await request(viewer, 'subscribe', { job_id: id });
        const pushed = next(viewer, 'job:log');
        await send(hub.http, id, update({ current_phase: 'snapshotting', log: [{ level: 'warning', message: 'VSS writer slow' }] })).expect(200);
        const event = await pushed;
        assert.equal(event.job_id, id);
        assert.deepEqual(lines(event.entries), ['hub/info: Phase: snapshotting', 'client/warning: VSS writer slow']);
        assert.deepEqual(event.entries.map((e: JobLogEntry) => e.seq), [2, 3]);
      } finally {
        await hub.close();
      }
    });

    it('notes a resume when a hub instance takes up a job that was running before it started', async () => {
      const prefix = uniquePrefix();
      const url = backend.url();
      const first = await startHub({ ...backend, url: () => url }, { tablePrefix: prefix });
      const id = await registerJob(first.http);
      await send(first.http, id, update()).expect(200);
      await send(first.http, id, update({ bytes_transferred: 200 })).expect(200);
      await first.plugin.close();
      const second = await startHub({ ...backend, url: () => url }, { tablePrefix: prefix });
      try {
        await send(second.http, id, update({ bytes_transferred: 300 })).expect(200);
        await send(second.http, id, update({ bytes_transferred: 400 })).expect(200);
        const log = await logOf(second.http, id);
        const resumes = log.entries.filter((e) => e.message.startsWith('Resumed'));
        assert.equal(resumes.length, 1, 'once, on the first update this instance sees');
        assert.equal(resumes[0]!.seq, 3);
      } finally {
        await second.close();
      }
    });

    it('writes the stale warning and the stale failure into the log', async () => {
      let clock = Date.now();
      const hub = await startHub(backend, { now: () => clock, staleWarnAfterSeconds: 60, staleFailAfterSeconds: 120 });
      try {
        const id = await registerJob(hub.http);
        await send(hub.http, id, update()).expect(200);
        clock += 61_000;
        await hub.plugin.stale.checkOnce();
        clock += 60_000;
        await hub.plugin.stale.checkOnce();
        const log = await logOf(hub.http, id);
        const tail = log.entries.slice(-2);
        assert.equal(tail[0]!.level, 'warning');
        assert.match(tail[0]!.message, /^No telemetry for 1m1s; the job fails after 2m0s of silence$/);
        assert.equal(tail[1]!.level, 'error');
        assert.match(tail[1]!.message, /^Failed: Job stalled - no telemetry for 2m1s/);
        assert.equal(log.total_count, log.entries.at(-1)!.seq);
      } finally {
        await hub.close();
      }
    });

    it('counts completions with warnings apart in stats and the fleet summary', async () => {
      const hub = await startHub(backend);
      try {
        const clean = await registerJob(hub.http, { vm_name: 'vm-w' });
        const warned = await registerJob(hub.http, { vm_name: 'vm-w' });
        const failed = await registerJob(hub.http, { vm_name: 'vm-w' });
        await send(hub.http, clean, { status: 'completed' }).expect(200);
        await send(hub.http, warned, update({ warnings_count: 3 })).expect(200);
        await send(hub.http, warned, { status: 'completed' }).expect(200);
        await send(hub.http, failed, { status: 'failed', warnings_count: 1, error: 'repository locked' }).expect(200);
        const stats = (await hub.http.get('/api/v1/backups/stats?vm_name=vm-w').expect(200)).body;
        assert.equal(stats.by_status.completed, 2);
        assert.equal(stats.completed_with_warnings, 1);
        assert.equal(stats.by_status.failed, 1);
        const repo = (await hub.http.get('/api/v1/backups/stats?vm_name=vm-w&repository_id=repo-a').expect(200)).body;
        assert.equal(repo.completed_with_warnings, 1);
        const fleet = (await hub.http.get('/api/v1/fleet/summary').expect(200)).body;
        assert.equal(fleet.windows['24h'].by_status.completed, 2);
        assert.equal(fleet.windows['24h'].completed_with_warnings, 1);
        assert.equal(fleet.windows['30d'].completed_with_warnings, 1);
        const metrics = await hub.plugin.metrics.registry.metrics();
        assert.match(metrics, /^bt_jobs_completed_with_warnings_total\{job_type="backup"\} 1$/m);
        assert.match(metrics, /^bt_jobs_ended_total\{job_type="backup",status="completed"\} 2$/m);
      } finally {
        await hub.close();
      }
    });

    it('guards the log like the job: 404 for no such job, 403 for a viewer who may not see it', async () => {
      const hub = await startHub(backend, { authorizeViewer: async (_req, target) => target.vm_name !== 'secret-vm' });
      try {
        const id = await registerJob(hub.http, { vm_name: 'secret-vm' });
        await hub.http.get(`/api/v1/backups/${id}/log`).expect(403);
        const missing = await hub.http.get('/api/v1/backups/nope/log').expect(404);
        assert.equal(missing.body.error.code, 'job_not_found');
        const other = await registerJob(hub.http);
        const bad = await hub.http.get(`/api/v1/backups/${other}/log?limit=0`).expect(400);
        assert.equal(bad.body.error.field, 'limit');
        assert.equal((await hub.http.get(`/api/v1/backups/${other}/log?after=x`).expect(400)).body.error.field, 'after');
      } finally {
        await hub.close();
      }
    });
  });
}
