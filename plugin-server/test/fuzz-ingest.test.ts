import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DISK_STATUSES, JOB_STATUSES } from '@backup-telemetry/contract';
import type { Socket as ClientSocket } from 'socket.io-client';
import { backends } from './support/backends.js';
import { pathSegment, updateBodyText } from './support/arbitraries.js';
import { registerJob, update } from './support/factories.js';
import { request, startLiveHub, type LiveHub } from './support/live.js';

// Show the assertion that failed next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

/** Every answer ingest may give; anything else (500, 502, …) is a bug. */
const ALLOWED = new Set([200, 400, 404, 409, 413, 415, 429, 503]);
/** Stands for the job id inside generated bodies; replaced by the real id of each run. */
const ID = '@ID@';

type Via = 'http' | 'socket';

function assertPersistedValid(job: Record<string, any>): void {
  const where = `job ${job.backup_id}`;
  assert.ok((JOB_STATUSES as readonly string[]).includes(job.status), `${where}: status ${job.status}`);
  for (const key of ['bytes_transferred', 'total_bytes']) assert.ok(Number.isSafeInteger(job[key]) && job[key] >= 0, `${where}: ${key} ${job[key]}`);
  assert.ok(job.progress_percent >= 0 && job.progress_percent <= 100, `${where}: progress_percent ${job.progress_percent}`);
  assert.ok(Number.isFinite(job.transfer_speed_bps) && job.transfer_speed_bps >= 0, `${where}: transfer_speed_bps ${job.transfer_speed_bps}`);
  assert.ok(job.eta_seconds === null || (Number.isFinite(job.eta_seconds) && job.eta_seconds >= 0), `${where}: eta_seconds ${job.eta_seconds}`);
  for (const d of job.disks) {
    for (const key of ['bytes_transferred', 'total_bytes']) assert.ok(Number.isSafeInteger(d[key]) && d[key] >= 0, `${where} disk ${d.disk_index}: ${key} ${d[key]}`);
    assert.ok((DISK_STATUSES as readonly string[]).includes(d.status), `${where} disk ${d.disk_index}: status ${d.status}`);
    assert.ok(d.progress_percent >= 0 && d.progress_percent <= 100, `${where} disk ${d.disk_index}: progress_percent ${d.progress_percent}`);
  }
  const metrics = job.performance_metrics;
  if (metrics) {
    assert.ok(Number.isInteger(metrics.snapshots_recorded) && metrics.snapshots_recorded >= 0);
    for (const p of metrics.chart_data) assert.ok(p.p >= 0 && p.p <= 100 && p.s >= 0 && p.t >= 0, `${where}: chart point ${JSON.stringify(p)}`);
  }
  for (const e of job.session_log?.entries ?? []) {
    assert.ok(['info', 'warning', 'error'].includes(e.level) && ['hub', 'client'].includes(e.source), `${where}: log entry ${JSON.stringify(e)}`);
    assert.ok(typeof e.message === 'string' && e.message.length >= 1 && e.message.length <= 1000, `${where}: log message of ${e.message?.length} characters`);
  }
  assert.ok(Number.isSafeInteger(job.warnings_count) && job.warnings_count >= 0, `${where}: warnings_count ${job.warnings_count}`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
}

/** A real HTTP request without keep-alive (supertest mangles pre-encoded Buffer bodies), gzip/deflate-encoding the body when asked. */
function post(base: string, path: string, text: string, contentType: string, encoding: string, encode = true): Promise<{ status: number; text: string }> {
  let body: Buffer = Buffer.from(text);
  if (encode && encoding === 'gzip') body = gzipSync(body);
  if (encode && encoding === 'deflate') body = deflateSync(body);
  const headers: Record<string, string> = { 'content-length': String(body.length) };
  if (contentType) headers['content-type'] = contentType;
  if (encoding !== 'none') headers['content-encoding'] = encoding;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (const backend of backends()) {
  describe(`fuzzed ingest on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: LiveHub;
    let agent: ClientSocket;
    before(async () => {
      hub = await startLiveHub(backend);
      agent = await hub.client();
    });
    after(async () => { await hub?.close(); });

    /** The job as the API shows it, without the one field that moves with the clock, and its session log. */
    async function readJob(id: string): Promise<Record<string, any>> {
      const res = await hub.http.get(`/api/v1/backups/${encodeURIComponent(id)}`).expect(200);
      const { duration_seconds: _moving, ...job } = res.body;
      const log = await hub.http.get(`/api/v1/backups/${encodeURIComponent(id)}/log?limit=500`).expect(200);
      return { ...job, session_log: log.body };
    }

    /** Sends one update body (JSON text) over HTTP or the socket and returns the status it was answered with. */
    async function ingest(via: Via, jobType: string, jobId: string, text: string, rawPath = false): Promise<{ status: number; detail: string }> {
      if (via === 'http') {
        const path = rawPath ? `${jobType}/${jobId}` : `${encodeURIComponent(jobType)}/${encodeURIComponent(jobId)}`;
        const res = await hub.http.post(`/api/v1/telemetry/${path}`).set('Content-Type', 'application/json').send(text);
        return { status: res.status, detail: res.text.slice(0, 300) };
      }
      const body = JSON.parse(text);
      const payload = body !== null && typeof body === 'object' && !Array.isArray(body) ? { job_type: jobType, job_id: jobId, ...body } : body;
      const ack = await request(agent, 'telemetry', payload);
      return { status: ack.ok ? 200 : ack.error?.status, detail: JSON.stringify(ack).slice(0, 300) };
    }

    it('answers any body on either path with an expected status, changes nothing on a refusal, and stores only valid state', async () => {
      const action = fc.record({ via: fc.constantFrom<Via>('http', 'socket'), text: updateBodyText(Date.now(), { job_id: ID, job_type: 'backup' }) });
      await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 5 }), async (actions) => {
          const id = await registerJob(hub.http);
          for (const { via, text } of actions) {
            const before = await readJob(id);
            const { status, detail } = await ingest(via, 'backup', id, text.replaceAll(`"${ID}"`, JSON.stringify(id)));
            assert.ok(ALLOWED.has(status), `${via} answered ${status}: ${detail}`);
            const after = await readJob(id);
            if (status >= 400) assert.deepEqual(after, before, `${via} ${status} changed the job: ${detail}`);
            assertPersistedValid(after);
          }
        }),
        { numRuns: 50 },
      );
    });

    it('answers arbitrary job ids and types in the path or event with an expected status and touches no other job', async () => {
      const bystander = await registerJob(hub.http);
      await ingest('http', 'backup', bystander, JSON.stringify(update({ bytes_transferred: 10 })));
      const reference = await readJob(bystander);
      const attempt = fc.record({
        via: fc.constantFrom<Via>('http', 'socket'),
        jobType: fc.oneof(pathSegment, fc.constant('backup')),
        jobId: pathSegment,
        rawPath: fc.boolean(),
        text: updateBodyText(Date.now(), { job_id: ID, job_type: 'backup' }),
      });
      await fc.assert(
        fc.asyncProperty(attempt, async ({ via, jobType, jobId, rawPath, text }) => {
          // A raw path can only carry printable ASCII; anything else goes percent-encoded.
          const raw = rawPath && /^[\x21-\x7e]*$/.test(jobType + jobId) && !(jobType + jobId).includes('?') && !(jobType + jobId).includes('#');
          const { status, detail } = await ingest(via, jobType, jobId, text.replaceAll(`"${ID}"`, JSON.stringify(jobId)), raw);
          assert.ok(ALLOWED.has(status), `${via} ${JSON.stringify(jobType)}/${JSON.stringify(jobId)}${raw ? ' (raw path)' : ''} answered ${status}: ${detail}`);
          assert.notEqual(status, 200, `ingest into a job that does not exist succeeded: ${JSON.stringify([jobType, jobId])}`);
          assert.deepEqual(await readJob(bystander), reference);
        }),
        { numRuns: 60 },
      );
    });

    it('answers odd content types and encodings with an expected status and changes nothing on a refusal', async () => {
      const id = await registerJob(hub.http);
      const variants = fc.record({
        contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16',
          'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data; boundary=x', ''),
        encoding: fc.constantFrom('none', 'identity', 'gzip', 'deflate', 'compress', 'x-unknown'),
        size: fc.constantFrom('small', 'large'),
        bytes: fc.nat({ max: 10_000 }),
      });
      await fc.assert(
        fc.asyncProperty(variants, async ({ contentType, encoding, size, bytes }) => {
          const text = JSON.stringify({ ...update({ bytes_transferred: bytes }), ...(size === 'large' ? { padding_text: 'x'.repeat(70 * 1024) } : {}) });
          const before = await readJob(id);
          const res = await post(hub.url, `/api/v1/telemetry/backup/${id}`, text, contentType, encoding);
          const what = `${contentType || '(no content type)'} ${encoding} ${size}`;
          assert.ok(ALLOWED.has(res.status), `${what} answered ${res.status}: ${res.text.slice(0, 200)}`);
          if (res.status >= 400) assert.deepEqual(await readJob(id), before, `${what} ${res.status} changed the job`);
        }),
        { numRuns: 40 },
      );
    });

    // Bugs this suite found (each answered 500 or hung before it was fixed).
    it('answers a body whose Content-Encoding does not match its bytes with 400, not 500', async () => {
      const id = await registerJob(hub.http);
      for (const encoding of ['gzip', 'deflate', 'br']) {
        const res = await post(hub.url, `/api/v1/telemetry/backup/${id}`, JSON.stringify(update()), 'application/json', encoding, false);
        assert.equal(res.status, 400, `${encoding}: ${res.status} ${res.text}`);
      }
    });

    it('answers a job id with a malformed percent-escape in the path with 400, not 500', async () => {
      const res = await hub.http.post('/api/v1/telemetry/backup/%E0%A4%A').set('Content-Type', 'application/json').send('{}');
      assert.equal(res.status, 400, res.text);
      assert.equal((await hub.http.get('/api/v1/backups/%E0%A4%A')).status, 400);
    });

    it('refuses or stores a lone UTF-16 surrogate in details and machine disk names, never 500', async () => {
      const id = await registerJob(hub.http);
      const before = await readJob(id);
      const res = await hub.http.post(`/api/v1/telemetry/backup/${id}`).set('Content-Type', 'application/json').send('{"details":{"note":"\\udc00"}}');
      assert.ok([200, 400].includes(res.status), `details: ${res.status} ${res.text}`);
      if (res.status === 400) assert.deepEqual(await readJob(id), before);
      const reg = await hub.http.post('/api/v1/backups').set('Content-Type', 'application/json')
        .send('{"vm_name":"surrogate-vm","repository_id":"r","backup_type":"full","machine":{"disks":[{"disk_index":0,"name":"\\ud800"}]}}');
      assert.ok([201, 400].includes(reg.status), `machine disk name: ${reg.status} ${reg.text}`);
    });
  });
}
