import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobAnomalyEvent } from '@backup-telemetry/contract';
import { backends, startHub, type TestHub } from './support/backends.js';
import { registerJob, send } from './support/factories.js';
import { historyKeyOf } from '../src/store/insight.js';

const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;

/** A hub on a clock the test moves, so each job's duration is exactly what the test says. */
async function hubOnClock(backend: Parameters<typeof startHub>[0], options: Parameters<typeof startHub>[1] = {}) {
  const clock = { ms: Date.UTC(2026, 0, 1, 2, 0) };
  const hub = await startHub(backend, { now: () => clock.ms, ...options });
  /** One nightly job through the API: registered now, ended `seconds` later with `bytes` moved. */
  async function night(vm: string, bytes: number, seconds: number, status = 'completed', backup_type: 'full' | 'incremental' = 'incremental') {
    const id = await registerJob(hub.http, { vm_name: vm, backup_type });
    clock.ms += seconds * 1000;
    await send(hub.http, id, { status, bytes_transferred: Math.round(bytes), total_bytes: Math.round(bytes), ...(status === 'failed' ? { error: 'repository unreachable' } : {}) }).expect(200);
    clock.ms += DAY_MS - seconds * 1000;
    return id;
  }
  return { hub, clock, night };
}

/** ±5% of noise, the same every run. */
const wobble = (i: number) => 1 + 0.05 * Math.sin(i * 1.7);

for (const backend of backends()) {
  describe(`anomalies against the VM's own history (${backend.name})`, { skip: backend.skip }, () => {
    let hub: TestHub;
    let night: Awaited<ReturnType<typeof hubOnClock>>['night'];
    const events: JobAnomalyEvent[] = [];
    const normal: string[] = [];
    let spike = '';
    let quick = '';

    before(async () => {
      ({ hub, night } = await hubOnClock(backend));
      hub.plugin.events.on('job:anomaly', (e) => events.push(e));
      for (let i = 0; i < 8; i++) normal.push(await night('web-01', 10 * GIB * wobble(i), 1800 * wobble(i + 2)));
      spike = await night('web-01', 100 * GIB, 1800);
      normal.push(await night('web-01', 10 * GIB, 1800));
      quick = await night('web-01', 10 * GIB, 3);
    });
    after(() => hub?.close());

    it('flags an injected 10× incremental with its numbers, stored with the job', async () => {
      const { body } = await hub.http.get(`/api/v1/backups/${spike}`).expect(200);
      assert.equal(body.anomalies.length, 1);
      const [a] = body.anomalies;
      assert.equal(a.metric, 'bytes_transferred');
      assert.equal(a.direction, 'high');
      assert.equal(a.severity, 'critical');
      assert.equal(a.value, 100 * GIB);
      assert.equal(a.jobs, 8);
      assert.ok(a.ratio > 9.5 && a.ratio < 10.5, `ratio ${a.ratio}`);
      assert.match(a.message, /^10× the usual size for an incremental \(100 GiB; usually (9\.\d|10\.\d) GiB\)$/);
    });

    it('flags nothing on normal jobs, nor before the VM has five completed jobs', async () => {
      for (const id of normal) {
        const { body } = await hub.http.get(`/api/v1/backups/${id}`).expect(200);
        assert.deepEqual(body.anomalies, [], id);
      }
    });

    it('flags a 3-second "success" as far too short', async () => {
      const { body } = await hub.http.get(`/api/v1/backups/${quick}`).expect(200);
      const duration = body.anomalies.find((a: { metric: string }) => a.metric === 'duration_seconds');
      assert.equal(duration?.direction, 'low');
      assert.equal(duration?.value, 3);
      assert.equal(duration?.severity, 'critical');
    });

    it('emits job:anomaly once per flagged job and counts bt_job_anomalies_total', async () => {
      assert.deepEqual(events.map((e) => e.job_id), [spike, quick]);
      assert.equal(events[0]!.vm_name, 'web-01');
      assert.equal(events[0]!.anomalies[0]!.metric, 'bytes_transferred');
      const text = await hub.plugin.metrics.registry.metrics();
      assert.match(text, /bt_job_anomalies_total\{metric="bytes_transferred",severity="critical"\} 1\n/);
      assert.match(text, /bt_job_anomalies_total\{metric="duration_seconds",severity="critical"\} 1\n/);
    });

    it('lists the flagged jobs on the VM\'s insight, newest first', async () => {
      const { body } = await hub.http.get('/api/v1/machines/web-01/insight').expect(200);
      assert.equal(body.vm_name, 'web-01');
      assert.deepEqual(body.anomalies.map((j: { backup_id: string }) => j.backup_id), [quick, spike]);
      assert.equal(body.anomalies[1].type, 'incremental');
      assert.deepEqual(body.warnings, []);
    });

    it('reads several VMs\' histories in one statement inside the ingest transaction, newest first', async () => {
      await night('db-02', GIB, 600);
      await night('db-02', GIB, 600, 'failed');
      await night('db-02', GIB, 600, 'completed', 'full');
      const tx = hub.plugin.store.ingestTransaction();
      await tx.lockJobs([spike], new Map());
      try {
        const keys = [
          { vm_name: 'web-01', job_type: 'backup', backup_type: 'incremental' },
          { vm_name: 'db-02', job_type: 'backup', backup_type: 'incremental' },
          { vm_name: 'nobody', job_type: 'backup', backup_type: 'full' },
        ];
        const found = await tx.completedHistory(keys, 3);
        assert.deepEqual([...found.values()].map((list) => list.length), [3, 1, 0]);
        const web = found.get(historyKeyOf(keys[0]!))!;
        assert.equal(web[0]!.id, quick);
        assert.ok(web[0]!.completed_at! > web[1]!.completed_at! && web[1]!.completed_at! > web[2]!.completed_at!);
        assert.equal(found.get(historyKeyOf(keys[1]!))![0]!.status, 'completed');
      } finally {
        await tx.rollback();
      }
    });

    it('refuses an unknown job type on the insight with 400 naming job_type', async () => {
      const res = await hub.http.get('/api/v1/machines/web-01/insight?job_type=nightly').expect(400);
      assert.equal(res.body.error.status, 400);
      assert.equal(res.body.error.field, 'job_type');
    });
  });

  describe(`jobs of one VM completing together (${backend.name})`, { skip: backend.skip }, () => {
    it('judges each against the VM\'s history when they end in the same batch', async () => {
      // One lane: two jobs go to the same batch whatever their ids hash to.
      const { hub, clock, night } = await hubOnClock(backend, { ingestLanes: 1 });
      try {
        for (let i = 0; i < 6; i++) await night('pair-01', 10 * GIB, 1800);
        const a = await registerJob(hub.http, { vm_name: 'pair-01', backup_type: 'incremental', repository_id: 'repo-a' });
        const b = await registerJob(hub.http, { vm_name: 'pair-01', backup_type: 'incremental', repository_id: 'repo-b' });
        clock.ms += 1800_000;
        const reads: number[] = [];
        const open = hub.plugin.store.ingestTransaction.bind(hub.plugin.store);
        hub.plugin.store.ingestTransaction = () => {
          const tx = open();
          const read = tx.completedHistory.bind(tx);
          return { ...tx, completedHistory: (keys, limit) => (reads.push(keys.length), read(keys, limit)) };
        };
        // Submitted in the same tick: the pipeline commits them in one batch.
        await Promise.all([a, b].map((id) => hub.plugin.ingest.submit('backup', id, { status: 'completed', bytes_transferred: 100 * GIB })));
        assert.deepEqual(reads, [1], 'one read for the VM\'s two jobs, in one batch');
        for (const id of [a, b]) {
          const { body } = await hub.http.get(`/api/v1/backups/${id}`).expect(200);
          assert.deepEqual(body.anomalies.map((x: { metric: string }) => x.metric), ['bytes_transferred'], id);
        }
      } finally {
        await hub.close();
      }
    });
  });

  describe(`early warnings on the VM's insight (${backend.name})`, { skip: backend.skip }, () => {
    let hub: TestHub;
    let night: Awaited<ReturnType<typeof hubOnClock>>['night'];

    before(async () => {
      ({ hub, night } = await hubOnClock(backend, { backupWindow: (vm) => (vm === 'db-01' ? { start: '02:00', hours: 4 } : null) }));
      // db-01 grows 6 minutes a night at a steady speed: its 3 h job reaches the 4 h window in 10 nights.
      for (let i = 0; i < 8; i++) {
        const seconds = 3 * 3600 - (7 - i) * 360;
        await night('db-01', seconds * 50 * 1024 ** 2, seconds, 'completed', 'full');
      }
      for (let i = 0; i < 3; i++) await night('app-01', GIB, 600);
      await night('app-01', GIB, 600, 'failed');
      await night('app-01', GIB, 600, 'failed');
    });
    after(() => hub?.close());

    it('warns, with its numbers, when the durations grow toward the VM\'s backup window', async () => {
      const { body } = await hub.http.get('/api/v1/machines/db-01/insight').expect(200);
      assert.equal(body.warnings.length, 1);
      const [w] = body.warnings;
      assert.equal(w.kind, 'window_overrun');
      assert.equal(w.backup_type, 'full');
      assert.equal(w.numbers.days_left, 10);
      assert.equal(w.numbers.window_hours, 4);
      assert.equal(w.message, 'at this growth the 02:00 full job overruns its 4 h window in about 10 days (now about 3h0m0s, growing 6m0s a day)');
    });

    it('warns of failures in a row, and of nothing it has too little data for', async () => {
      const { body } = await hub.http.get('/api/v1/machines/app-01/insight').expect(200);
      assert.deepEqual(body.warnings.map((w: { kind: string }) => w.kind), ['failures_in_row']);
      assert.equal(body.warnings[0].numbers.failures, 2);
      const none = await hub.http.get('/api/v1/machines/nobody/insight').expect(200);
      assert.deepEqual(none.body, { vm_name: 'nobody', anomalies: [], warnings: [] });
    });
  });
}

for (const backend of backends()) {
  describe(`bottleneck from stage busy percents (${backend.name})`, { skip: backend.skip }, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHub(backend);
    });
    after(() => hub?.close());

    it('names the stage with the highest average busy percent and charts the stages', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, { status: 'running', bytes_transferred: 100, bottleneck: { source: 20, proxy: 10, network: 90, target: 30 } }).expect(200);
      await send(hub.http, id, { status: 'running', bytes_transferred: 200 }).expect(200);
      await send(hub.http, id, { status: 'running', bytes_transferred: 300, bottleneck: { source: 40, proxy: 10, network: 70, target: 30.25 } }).expect(200);
      const live = await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200);
      assert.ok(JSON.stringify(live.body).includes('[20,10,90,30]'), 'the live chart carries the stages');
      await send(hub.http, id, { status: 'completed', bytes_transferred: 400 }).expect(200);
      const { body } = await hub.http.get(`/api/v1/backups/${id}`).expect(200);
      assert.deepEqual(body.performance_metrics.bottleneck, { stage: 'network', busy_percent: { source: 30, proxy: 10, network: 80, target: 30.2 }, samples: 2 });
      assert.deepEqual(body.performance_metrics.chart_data.map((p: { b?: number[] }) => p.b ?? null), [[20, 10, 90, 30], null, [40, 10, 70, 30.3], null]);
    });

    it('adds nothing to a job whose client never reported stages', async () => {
      const id = await registerJob(hub.http);
      await send(hub.http, id, { status: 'running', bytes_transferred: 100 }).expect(200);
      await send(hub.http, id, { status: 'completed', bytes_transferred: 200 }).expect(200);
      const { body } = await hub.http.get(`/api/v1/backups/${id}`).expect(200);
      assert.equal('bottleneck' in body.performance_metrics, false);
      assert.ok(body.performance_metrics.chart_data.every((p: object) => !('b' in p)));
    });

    for (const [what, bottleneck, field] of [
      ['a stage over 100', { source: 20, proxy: 10, network: 101, target: 30 }, 'bottleneck.network'],
      ['a missing stage', { source: 20, proxy: 10, network: 90 }, 'bottleneck.target'],
      ['a negative stage', { source: -1, proxy: 10, network: 90, target: 0 }, 'bottleneck.source'],
      ['text for a stage', { source: 20, proxy: '10', network: 90, target: 0 }, 'bottleneck.proxy'],
      ['a list', [20, 10, 90, 30], 'bottleneck'],
    ] as const) {
      it(`refuses an update whose bottleneck has ${what} (400 naming ${field}) and stores nothing`, async () => {
        const id = await registerJob(hub.http);
        const res = await send(hub.http, id, { status: 'running', bytes_transferred: 100, bottleneck }).expect(400);
        assert.deepEqual([res.body.error.status, res.body.error.field], [400, field]);
        const { body } = await hub.http.get(`/api/v1/backups/${id}`).expect(200);
        assert.equal(body.status, 'pending');
        assert.equal(body.bytes_transferred, 0);
      });
    }
  });
}
