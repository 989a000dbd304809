import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backends, startHub, type Backend, type TestHub } from './support/backends.js';
import { registerJob, update } from './support/factories.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const GIB = 1024 ** 3;

const poppler = spawnSync('pdftotext', ['-v']).status === 0 && spawnSync('pdfinfo', ['-v']).status === 0;
if (!poppler) {
  if (process.env.CI) throw new Error('pdftotext/pdfinfo (poppler-utils) are missing on CI: .ci/run installs them');
  console.log('# pdftotext/pdfinfo not found (apt-get install poppler-utils): the PDF report suites are skipped');
}

interface ReadPdf {
  pages: number;
  pageSize: string;
  text: string;
  /** The text of each page (pdftotext separates pages with form feeds). */
  pageTexts: string[];
  headers: Record<string, string>;
}

/** GETs a report and reads it back the way a person's tools would: pdfinfo and pdftotext -layout. */
async function readReport(hub: TestHub, path: string): Promise<ReadPdf> {
  const res = await hub.http.get(`/api/v1${path}`).buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  }).expect(200).expect('Content-Type', 'application/pdf');
  const dir = mkdtempSync(join(tmpdir(), 'bt-pdf-'));
  const file = join(dir, 'report.pdf');
  writeFileSync(file, res.body as Buffer);
  let info: string;
  let text: string;
  try {
    info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    pages: Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]),
    pageSize: /^Page size:\s+(.+)$/m.exec(info)?.[1] ?? '',
    text,
    pageTexts: text.split('\f').filter((p) => p.trim() !== ''),
    headers: res.headers as Record<string, string>,
  };
}

/** A hub whose clock the test moves forward. */
async function clockedHub(backend: Backend) {
  let clock = T0 - 30 * HOUR;
  const hub = await startHub(backend, { now: () => clock });
  const at = (ms: number) => { clock = Math.max(clock, ms); };
  /** A job of `vm_name` started now, ended `durationMs` later having moved `bytes`. */
  const job = async (vm_name: string, status: 'completed' | 'failed', bytes: number, durationMs: number, error?: string) => {
    const id = await registerJob(hub.http, { vm_name, disks: [] });
    await hub.plugin.ingest.submit('backup', id, update({ bytes_transferred: 0, total_bytes: bytes }));
    at(clock + durationMs);
    await hub.plugin.ingest.submit('backup', id, update({ status, bytes_transferred: bytes, total_bytes: bytes, ...(error ? { error } : {}) }));
    at(clock + HOUR);
    return id;
  };
  return { hub, at, job };
}

const squash = (text: string) => text.replace(/\s+/g, ' ');

for (const backend of backends()) {
  describe(`PDF reports on ${backend.name}`, { skip: backend.skip || (!poppler && 'pdftotext is not installed') }, () => {
    let hub: TestHub;
    let at: (ms: number) => void;
    let job: Awaited<ReturnType<typeof clockedHub>>['job'];
    const untrusted = '<script>alert(1)</script> "x" Привет';

    before(async () => {
      ({ hub, at, job } = await clockedHub(backend));
      await job(untrusted, 'failed', 0, MINUTE, 'evil\u202Eexe.vm <b>not bold</b>\u0007 said 日本');
      await job('db-01', 'completed', 2 * GIB, MINUTE);
      at(T0 - 4 * HOUR);
      await job('web-01', 'completed', 5 * GIB, 5 * MINUTE);
      await job('web-01', 'failed', 1 * GIB, 90_000, 'NBD connection reset by peer while reading disk 0');
      await job('web-01', 'completed', 6 * GIB, 6 * MINUTE);
      // At T0 (default policy: RPO 24 h, grace 60 min) db-01's newest success is 30 h old and the
      // untrusted VM, first seen 30 h ago, never succeeded: both at risk; web-01 succeeded an hour ago.
      at(T0);
    });
    after(async () => { await hub?.close(); });

    it("prints a VM's report on A4 with its name, the range in the title, a job's figures, its error and page numbers", async () => {
      const pdf = await readReport(hub, '/reports/machines/web-01.pdf?days=30');
      assert.match(pdf.pageSize, /^595\.\d+ x 841\.\d+ pts \(A4\)$/);
      const text = squash(pdf.text);
      assert.match(text, /Backup report: web-01 2026-11-01 to 2026-12-01 \(UTC, last 30 days\)/);
      assert.match(text, /full completed 5\.0 GiB 5m0s 17\.1 MiB\/s/, 'the first job: 5 GiB in 5 minutes');
      assert.match(text, /full completed 6\.0 GiB 6m0s 17\.1 MiB\/s/);
      assert.match(text, /NBD connection reset by peer while reading disk 0/);
      assert.match(text, /Success rate \(ended jobs\) Jobs in the period Last success 66\.7% 3 \(2 completed, 1 failed\) 2026-12-01 \d\d:\d\d/);
      assert.match(text, /Average size \(completed\) Average duration \(completed\) Protection 5\.5 GiB 5m30s protected/);
      assert.match(text, /\d\d:\d\d full failed 1\.0 GiB 1m30s 11\.4 MiB\/s NBD connection reset/);
      assert.equal(pdf.pages, 1);
      assert.match(pdf.pageTexts[0]!, /Page 1 of 1/);
      assert.match(text, /Generated 2026-12-01 12:00 UTC/);
      assert.match(pdf.headers['content-disposition']!, /^attachment; filename="web-01\.pdf"; filename\*=UTF-8''web-01\.pdf$/);
    });

    it('prints an untrusted VM name and error message as text: markup verbatim, bidi controls shown, controls removed', async () => {
      const pdf = await readReport(hub, `/reports/machines/${encodeURIComponent(untrusted)}.pdf`);
      const text = squash(pdf.text);
      assert.ok(text.includes('Backup report: <script>alert(1)</script> "x" Привет'), text.slice(0, 300));
      assert.ok(text.includes('evil[U+202E]exe.vm <b>not bold</b> said'), 'the override is shown as its code point, the bell removed');
      assert.ok(!pdf.text.includes('\u202E') && !pdf.text.includes('\u0007'));
      assert.ok(text.includes('said \uFFFD\uFFFD'), 'characters the font lacks print as U+FFFD');
      const disposition = pdf.headers['content-disposition']!;
      assert.match(disposition, /^attachment; filename="[A-Za-z0-9._-]+\.pdf"; filename\*=UTF-8''[A-Za-z0-9%._-]+$/);
      assert.equal(decodeURIComponent(disposition.split("''")[1]!), `${untrusted}.pdf`);
    });

    it('lists the at-risk VMs in the fleet report', async () => {
      const pdf = await readReport(hub, '/reports/fleet.pdf?days=7');
      const text = squash(pdf.text);
      assert.match(text, /Backup report: Fleet 2026-11-24 to 2026-12-01 \(UTC, last 7 days\)/);
      const atRisk = squash(/At-risk VMs \(2\)([\s\S]*?)All VMs/.exec(pdf.text)?.[1] ?? '');
      assert.ok(atRisk.includes('<script>alert(1)</script> "x"'), atRisk);
      assert.ok(atRisk.includes('db-01'), atRisk);
      assert.ok(!atRisk.includes('web-01'), 'web-01 succeeded within its RPO');
      assert.match(text, /Success rate \(ended jobs\) Jobs ended in the period Bytes protected \(newest successes\) 60\.0% 5 8\.0 GiB/);
      const summary = (await hub.http.get('/api/v1/fleet/summary').expect(200)).body;
      assert.equal(summary.windows['7d'].total, 5, 'the same count as the summary\'s 7-day window');
      assert.match(text, /db-01 at risk 2026-11-30 \d\d:\d\d No successful backup for 28 h \(RPO 24 h\)/);
      assert.match(pdf.headers['content-disposition']!, /filename="fleet\.pdf"/);
    });

    it('answers 400 naming days for a bad range and 404 for an unknown VM', async () => {
      for (const days of ['0', '367', 'abc', '1.5']) {
        const res = await hub.http.get(`/api/v1/reports/machines/web-01.pdf?days=${days}`).expect(400);
        assert.deepEqual([res.body.error.code, res.body.error.field], ['invalid_field', 'days'], days);
      }
      const twice = await hub.http.get('/api/v1/reports/fleet.pdf?days=3&days=4').expect(400);
      assert.equal(twice.body.error.field, 'days');
      const missing = await hub.http.get('/api/v1/reports/machines/nope.pdf').expect(404);
      assert.deepEqual([missing.body.error.code, missing.body.error.field], ['machine_not_found', 'vm_name']);
    });
    it('lists the jobs the hub found unusual for the machine, with their findings', async () => {
      const clock = { at: T0 + HOUR };
      at(clock.at);
      for (let i = 0; i < 6; i++) await job('nightly-07', 'completed', Math.round(10 * GIB * (1 + 0.05 * Math.sin(i * 1.7))), 30 * MINUTE);
      await job('nightly-07', 'completed', 100 * GIB, 30 * MINUTE);
      const text = squash((await readReport(hub, '/reports/machines/nightly-07.pdf?days=30')).text);
      assert.match(text, /Unusual jobs for this machine \(1\)/);
      assert.match(text, /(warning|critical): \d+(\.\d)?× the usual size for a full \(100 GiB; usually 10\.\d GiB\)/);
      const plain = squash((await readReport(hub, '/reports/machines/web-01.pdf?days=30')).text);
      assert.ok(!plain.includes('Unusual jobs'), 'a VM without findings has no such section');
    });
  });

  describe(`PDF reports behind authorizeViewer on ${backend.name}`, { skip: backend.skip }, () => {
    it('asks authorizeViewer with {vm_name} and {fleet: true}, and answers 403 when it refuses', async () => {
      const asked: unknown[] = [];
      const hub = await startHub(backend, { authorizeViewer: (_req, target) => { asked.push(target); return false; } });
      try {
        const one = await hub.http.get('/api/v1/reports/machines/web-01.pdf').expect(403);
        const fleet = await hub.http.get('/api/v1/reports/fleet.pdf').expect(403);
        assert.deepEqual([one.body.error.code, fleet.body.error.code], ['forbidden', 'forbidden']);
        assert.deepEqual(asked, [{ vm_name: 'web-01' }, { fleet: true }]);
      } finally {
        await hub.close();
      }
    });
  });

  describe(`a 2,050-job PDF report on ${backend.name}`, { skip: backend.skip || (!poppler && 'pdftotext is not installed') }, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHub(backend, { now: () => T0 });
      const jobs = Array.from({ length: 2050 }, (_, i) => ({
        vm_name: 'big-01', repository_id: 'repo-a', backup_type: 'incremental' as const,
        status: i % 10 === 0 ? 'failed' as const : 'completed' as const,
        started_at: T0 - (i + 1) * 20 * MINUTE, completed_at: T0 - (i + 1) * 20 * MINUTE + 5 * MINUTE,
        bytes_transferred: GIB, error_message: i % 10 === 0 ? `disk ${i} unreadable` : null,
      }));
      await hub.plugin.importJobs(jobs);
    });
    after(async () => { await hub?.close(); });

    it('prints the newest 2,000 jobs over pages that repeat the header row, and counts the rest', async () => {
      const pdf = await readReport(hub, '/reports/machines/big-01.pdf?days=30');
      assert.ok(pdf.pages > 20, `${pdf.pages} pages`);
      assert.equal(pdf.pageTexts.length, pdf.pages);
      pdf.pageTexts.forEach((page, i) => assert.match(page, new RegExp(`Page ${i + 1} of ${pdf.pages}`)));
      const rows = pdf.text.match(/incremental +(completed|failed) +1\.0 GiB +5m0s/g) ?? [];
      assert.equal(rows.length, 2000);
      assert.match(squash(pdf.text), /… 50 more jobs not shown \(the report lists the newest 2,000\)/);
      assert.match(squash(pdf.text), /Failed and cancelled jobs \(205, newest 25 listed\)/);
      const historyPages = pdf.pageTexts.filter((p) => /incremental +(completed|failed)/.test(p));
      for (const page of historyPages) assert.match(page, /Date +Type +Status +Size +Duration +Speed +Error/);
    });

    it('lists only the jobs of the range: days=1 holds the 72 jobs of the last 24 hours', async () => {
      const pdf = await readReport(hub, '/reports/machines/big-01.pdf?days=1');
      assert.equal((pdf.text.match(/incremental +(completed|failed) +1\.0 GiB +5m0s/g) ?? []).length, 72);
      assert.doesNotMatch(pdf.text, /more jobs not shown/);
      assert.match(squash(pdf.text), /Jobs in the period Last success 88\.9% 72 \(64 completed, 8 (\S+ \S+ )?failed\)/);
    });
  });
}
