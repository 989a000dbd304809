import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Socket as ClientSocket } from 'socket.io-client';
import { backends } from './support/backends.js';
import { next, request, startLiveHub, type LiveHub } from './support/live.js';
import {
  curl003, docTime, history002, listedBackup000, payload003, performanceMetrics000, performanceMetrics002, registration002, request004, response004,
  shapeProblems,
} from './support/seeds.js';

/** The documents' front end (002's SpeedHistogram): MiB/s of a chart point. */
const mibps = (bytesPerSecond: number) => bytesPerSecond / 1024 / 1024;
/** Our MiB/s figures have 2 decimals; a chart point's `s` is rounded too. */
const closeTo = (actual: number, expected: number, what: string, tolerance = 0.01) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
const noProblems = (actual: unknown, example: unknown) => assert.deepEqual(shapeProblems(actual, example), [], JSON.stringify(actual));

type Point = { t: number; s: number; p: number; phase: string };

for (const backend of backends()) {
  describe(`the design documents' JSON examples against the hub on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: LiveHub;
    let socket: ClientSocket;
    /** The hub's clock, moved by the replays so the documents' `t` values come out as written. */
    let clock = Math.floor(Date.now() / 1000) * 1000;
    const nextSecond = () => (clock = Math.ceil(clock / 1000) * 1000 + 1000);

    before(async () => {
      hub = await startLiveHub(backend, { now: () => (clock += 1) });
      socket = await hub.client();
    });
    after(async () => { await hub?.close(); });

    /** 002's registration; the hub picks the id, as the document's curl expects. */
    const register = async () => (await hub.http.post('/api/v1/backups').send(registration002()).expect(201)).body.backup_id as string;
    const job = async (id: string) => (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
    const history = async (id: string) => (await hub.http.get(`/api/v1/telemetry/history/${id}`).expect(200)).body;

    const transports = {
      /** The document's POST; returns what the answer says about applying it. */
      async http(id: string, body: object) {
        const res = await hub.http.post(`/api/v1/telemetry/backup/${id}`).send(body);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        noProblems(res.body, response004);
        assert.equal(res.body.message, response004.message);
        assert.ok(Number.isFinite(Date.parse(res.body.timestamp)), res.body.timestamp);
        return res.body.applied as boolean;
      },
      /** The socket `telemetry` event: the same body plus the routing fields it needs. */
      async socket(id: string, body: object) {
        const ack = await request(socket, 'telemetry', { job_type: 'backup', ...body, job_id: id });
        assert.equal(ack.ok, true, JSON.stringify(ack));
        return ack.applied as boolean;
      },
    };

    const payloads: [string, (id: string) => object, string[]][] = [
      ['003\'s telemetry payload', (id) => payload003(id, docTime(nextSecond())), ['transferring', 'pending']],
      ['003\'s curl example', (id) => curl003(id), []],
      ['004\'s request', () => request004(docTime(nextSecond())), ['transferring']],
    ];
    for (const [transport, send] of Object.entries(transports)) {
      for (const [name, body, diskStatuses] of payloads) {
        it(`accepts ${name} over ${transport} (applied), and the job reads back with it${diskStatuses.length ? ` and its disks' statuses ${diskStatuses.join(', ')}` : ''}`, async () => {
          const id = await register();
          const sent = body(id) as { bytes_transferred: number; progress_percent: number };
          assert.equal(await send(id, sent), true);
          const stored = await job(id);
          assert.equal(stored.status, 'running');
          assert.equal(stored.current_phase, 'transferring');
          assert.equal(stored.bytes_transferred, sent.bytes_transferred);
          assert.equal(stored.progress_percent, sent.progress_percent);
          assert.deepEqual(stored.disks.map((d: { status: string }) => d.status), diskStatuses);
        });
      }
    }

    /**
     * Replays a chart of the documents as telemetry: one update per point at `t` seconds after the
     * start, at the point's speed and percent, the last one ending the job.
     */
    async function replayChart(points: { t: number; s: number; p: number; phase?: string }[], end: { t: number; phase: string }) {
      nextSecond();
      const id = await register();
      const totalBytes = 20_000_000_000;
      const start = (await job(id)).started_at as string;
      const at = (t: number) => { clock = Date.parse(start) + t * 1000; return docTime(clock); };
      const update = (t: number, over: object) => ({ total_bytes: totalBytes, timestamp: at(t), ...over });
      for (const point of points) {
        const ends = point.p === 100;
        await transports.http(id, update(point.t, {
          status: ends ? 'completed' : 'running', current_phase: point.phase ?? 'transferring',
          bytes_transferred: Math.round((totalBytes * point.p) / 100), transfer_speed_bps: point.s, progress_percent: point.p,
        }));
      }
      if (points.at(-1)!.p !== 100) {
        await transports.http(id, update(end.t, { status: 'completed', current_phase: end.phase, bytes_transferred: totalBytes, progress_percent: 100 }));
      }
      return id;
    }

    const replayed = new Map<string, Promise<string>>();
    const once = (key: string, replay: () => Promise<string>) => replayed.get(key) ?? replayed.set(key, replay()).get(key)!;
    const job002 = () => once('002', () => replayChart(performanceMetrics002.chart_data, { t: 62, phase: 'completed' }));
    const job000 = () => once('000', () => replayChart(performanceMetrics000.chart_data, { t: 300, phase: 'completed' }));

    it('rolls 002\'s chart up into 002\'s performance_metrics: every key with the document\'s type, its t, p and phases, 3 snapshots over 62 s', async () => {
      const id = await job002();
      const body = await history(id);
      noProblems(body, { ...history002.rolled_up, job_id: id });
      const metrics = body.performance_metrics;
      assert.deepEqual(metrics.chart_data.map((c: Point) => [c.t, c.p, c.phase]), performanceMetrics002.chart_data.map((c) => [c.t, c.p, c.phase]));
      assert.equal(metrics.snapshots_recorded, performanceMetrics002.snapshots_recorded);
      assert.equal(metrics.duration_seconds, performanceMetrics002.duration_seconds);
      assert.equal(metrics.peak_speed_bps, performanceMetrics002.peak_speed_bps);
      closeTo(metrics.peak_speed_mbps, mibps(metrics.peak_speed_bps), 'peak_speed_mbps is peak_speed_bps in MiB/s');
      closeTo(metrics.peak_speed_mbps, performanceMetrics002.peak_speed_mbps, 'the document\'s peak_speed_mbps', 0.15);
      closeTo(metrics.avg_speed_mbps, mibps(metrics.avg_speed_bps), 'avg_speed_mbps is avg_speed_bps in MiB/s');
      noProblems((await job(id)).performance_metrics, performanceMetrics002);
    });

    it('gives 002\'s chart points in bytes per second: the front end\'s s / 1024 / 1024 is the MiB/s of peak_speed_mbps and of each replayed speed', async () => {
      const metrics = (await history(await job002())).performance_metrics;
      const drawn = metrics.chart_data.map((c: Point) => mibps(c.s));
      closeTo(Math.max(...drawn), metrics.peak_speed_mbps, 'the chart\'s highest point in MiB/s');
      assert.ok(Math.min(...drawn) <= metrics.avg_speed_mbps && metrics.avg_speed_mbps <= Math.max(...drawn), `avg ${metrics.avg_speed_mbps} MiB/s lies within the chart ${drawn}`);
      performanceMetrics002.chart_data.forEach((c, i) => closeTo(drawn[i], mibps(c.s), `point ${i}`));
    });

    it('keeps 000\'s performance_metrics keys (snapshots is snapshots_recorded, as in 002), started_at set and the duration 300 s', async () => {
      const id = await job000();
      const ended = await job(id);
      assert.ok(ended.started_at, '000\'s first bug: a job has started_at from its creation');
      assert.equal(ended.duration_seconds, 300);
      const { snapshots, ...rest } = performanceMetrics000;
      noProblems(ended.performance_metrics, rest);
      assert.equal(typeof snapshots, 'number');
      assert.equal(ended.performance_metrics.snapshots_recorded, rest.chart_data.length + 1, 'the document\'s three points and the end');
      assert.deepEqual(ended.performance_metrics.chart_data.slice(0, 3).map((c: Point) => [c.t, c.p]), rest.chart_data.map((c) => [c.t, c.p]));
    });

    it('gives 000\'s chart speeds back in bytes per second', async () => {
      const points = (await job(await job000())).performance_metrics.chart_data as Point[];
      performanceMetrics000.chart_data.forEach((c, i) => closeTo(mibps(points[i].s), mibps(c.s), `point ${i}`));
    });

    /** 003's curl example sent three times, 5 s apart: a running job with a live chart in one phase. */
    const runningJob = () => once('running', async () => {
      const id = await register();
      for (let i = 0; i < 3; i += 1) {
        clock = nextSecond() + 4000;
        await transports.http(id, curl003(id));
      }
      return id;
    });

    it('answers 002\'s live_snapshots for a running job: status, current_state with the document\'s five fields, chart_data', async () => {
      const body = await history(await runningJob());
      assert.equal(body.data_source, 'live_snapshots');
      assert.equal(body.status, 'running');
      noProblems(body.current_state, history002.live_snapshots.current_state);
      assert.equal(body.current_state.transfer_speed_bps, curl003(body.job_id).transfer_speed_bps);
      assert.equal(body.chart_data.length, 3);
      for (const point of body.chart_data) assert.deepEqual(shapeProblems(point, { t: 0, s: 0, p: 0 }), []);
    });

    it('puts the phase, a string, on every point of a live chart', async () => {
      const body = await history(await runningJob());
      noProblems(body, { ...history002.live_snapshots, job_id: body.job_id });
    });

    it('gives live chart points in bytes per second, over HTTP and in the socket\'s subscribe ack and job:update push', async () => {
      const id = await runningJob();
      const speed = mibps(curl003(id).transfer_speed_bps);
      for (const point of (await history(id)).chart_data as Point[]) closeTo(mibps(point.s), speed, 'history chart point');
      const viewer = await hub.client();
      const ack = await request(viewer, 'subscribe', { job_id: id });
      for (const point of ack.chart_data as Point[]) closeTo(mibps(point.s), speed, 'subscribe ack chart point');
      const pushed = next<{ point?: Point }>(viewer, 'job:update', (e) => Boolean(e.point));
      clock = nextSecond();
      await transports.socket(id, curl003(id));
      closeTo(mibps((await pushed).point!.s), speed, 'job:update point');
    });

    it('answers 002\'s none for a job without telemetry: job_id, status, data_source', async () => {
      const id = await register();
      const body = await history(id);
      assert.deepEqual([body.job_id, body.status, body.data_source], [id, 'pending', 'none']);
    });

    it('says 002\'s message when a job has no telemetry', async () => {
      const id = await register();
      noProblems(await history(id), history002.none);
      assert.equal((await history(id)).message, history002.none.message);
    });

    it('lists the jobs with the fields 000\'s and 002\'s modal reads, and counts them by status for 000\'s donut', async () => {
      await Promise.all([job002(), job000()]);
      const query = new URLSearchParams({ vm_name: 'pgtest1', repository_id: 'repo-local-1759780872' });
      const { backups } = (await hub.http.get(`/api/v1/backups?${query}`).expect(200)).body;
      const completed = backups.filter((b: { status: string }) => b.status === 'completed');
      assert.ok(completed.length >= 2);
      for (const backup of completed) noProblems(backup, listedBackup000);
      const stats = (await hub.http.get(`/api/v1/backups/stats?${query}`).expect(200)).body;
      assert.equal(stats.by_status.completed, completed.length);
      assert.equal(stats.total, backups.length);
    });
  });
}
