import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BackupJob } from '@backup-telemetry/contract';
import { randomFolder, startBridge } from './support/bridge.js';
import { startHub, type TestHub } from './support/hub.js';
import { readmeCommands, readmeWorld, registeredJobId, runAsWritten } from './support/readme.js';
import { buildBridge, installed, removeTempDirs, restic, resticRepo } from './support/tools.js';

const DATA_BYTES = 240 * 1024 * 1024;
const FILE_BYTES = 16 * 1024 * 1024;
let seq = 0;
const jobId = (name: string) => `${name}-${process.pid}-${(seq += 1)}`;

/** restic's summary line, as the bridge passes it through on stdout. */
function summaryOf(stdout: string): Record<string, number | string> {
  const line = stdout.split('\n').find((l) => l.includes('"message_type":"summary"'));
  assert.ok(line, `no restic summary on the bridge's stdout:\n${stdout}`);
  return JSON.parse(line) as Record<string, number | string>;
}

// CI installs restic (.ci/run) and must run this suite; elsewhere a missing restic skips it, visibly.
const hasRestic = installed('restic', 'version');
const skip = hasRestic || process.env.CI ? false : 'restic is not installed (Debian: apt-get install restic)';
if (skip) console.log(`# ${skip}: the restic bridge suite is skipped`);

describe('backup-telemetry run -- restic (real restic, real hub)', { skip }, () => {
  let hub: TestHub;
  let data: string;
  /** One small file: for runs where the amount of data does not matter. */
  let small: string;

  before(async () => {
    assert.ok(hasRestic, 'restic is not installed (Debian: apt-get install restic; .ci/run installs it)');
    buildBridge();
    [hub, data] = await Promise.all([startHub(), randomFolder(DATA_BYTES, FILE_BYTES)]);
    small = mkdtempSync(join(tmpdir(), 'bt-bridge-small-'));
    writeFileSync(join(small, 'a.txt'), 'hello\n');
  });

  after(async () => {
    await hub?.close();
    for (const dir of [data, small]) if (dir) rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  it('reports a 240 MB backup as completed with the bytes restic\'s summary reports, its facts and a chart of several points', async () => {
    const { repo, env } = resticRepo();
    const id = jobId('restic-full');
    const run = startBridge(['--hub', hub.url, '--vm', 'web-01', '--repository', 'local', '--backup-type', 'full', '--transport', 'http',
      '--job-id', id, '--interval-seconds', '1', '--', 'restic', '-r', repo, 'backup', data], env);
    assert.equal(await run.exited, 0, run.stderr);

    const summary = summaryOf(run.stdout);
    assert.equal(summary.total_bytes_processed, DATA_BYTES);
    assert.doesNotMatch(run.stdout, /"message_type":"status"/, 'progress lines are turned into telemetry, not printed');
    assert.match(run.stderr, /added --json/);

    const job = await hub.job(id);
    assert.equal(job.status, 'completed');
    assert.equal(job.vm_name, 'web-01');
    assert.equal(job.type, 'full');
    assert.equal(job.repository_path, repo);
    assert.equal(job.bytes_transferred, summary.total_bytes_processed);
    assert.equal(job.progress_percent, 100);
    assert.equal(job.error_message, null);
    assert.deepEqual(pick(job.details, ['tool', 'snapshot_id', 'files_new', 'files_changed', 'files_unmodified', 'data_added_bytes', 'total_bytes_processed', 'exit_code']), {
      tool: 'restic', snapshot_id: summary.snapshot_id, files_new: DATA_BYTES / FILE_BYTES, files_changed: 0, files_unmodified: 0,
      data_added_bytes: summary.data_added, total_bytes_processed: DATA_BYTES, exit_code: 0,
    });
    assert.equal(typeof job.details?.total_duration_seconds, 'number');

    const metrics = job.performance_metrics;
    assert.ok(metrics, 'an ended job carries its rolled-up metrics');
    assert.ok(metrics.chart_data.length >= 5, `chart of ${metrics.chart_data.length} points: ${JSON.stringify(metrics.chart_data)}`);
    assert.ok(metrics.chart_data.some((p) => p.s > 0), 'the chart shows a transfer speed');
    assert.deepEqual(metrics.phases.map((p) => p.phase), ['scanning', 'transferring', 'finalizing']);
    assert.equal(metrics.bytes_transferred, DATA_BYTES);
    assert.equal((await hub.history(id)).data_source, 'rolled_up');

    const snapshots = JSON.parse(restic(['-r', repo, 'snapshots', '--json'], env).stdout) as { short_id: string }[];
    assert.deepEqual(snapshots.map((s) => s.short_id), [summary.snapshot_id], 'the snapshot the hub names is in the repository');
  });

  it('reports an unchanged second run over the default transport with no data added', async () => {
    const { repo, env } = resticRepo();
    {
      const first = startBridge(['--hub', hub.url, '--job-id', jobId('restic-first'), '--', 'restic', '-r', repo, 'backup', small], env);
      assert.equal(await first.exited, 0, first.stderr);
      const id = jobId('restic-incremental');
      const second = startBridge(['--hub', hub.url, '--job-id', id, '--', 'restic', '-r', repo, 'backup', '--json', small], env);
      assert.equal(await second.exited, 0, second.stderr);
      assert.doesNotMatch(second.stderr, /added --json/);
      const job = await hub.job(id);
      assert.equal(job.status, 'completed');
      assert.equal(job.type, 'incremental');
      assert.deepEqual(pick(job.details, ['files_new', 'files_unmodified']), { files_new: 0, files_unmodified: 1 });
      assert.ok(Number(job.details?.data_added_bytes) < 4096, `only metadata is added, got ${job.details?.data_added_bytes}`);
    }
  });

  it('fails the job with restic\'s own message on a wrong password, and exits with restic\'s code', async () => {
    const { repo, env } = resticRepo();
    const wrong = { ...env, RESTIC_PASSWORD: 'not the password' };
    const direct = restic(['-r', repo, 'backup', '--json', data], wrong);
    assert.notEqual(direct.status, 0);
    const fatal = direct.stderr.split('\n').find((l) => /wrong password/.test(l));
    assert.ok(fatal, `restic itself says: ${direct.stderr}`);

    const id = jobId('restic-wrong-password');
    const run = startBridge(['--hub', hub.url, '--transport', 'http', '--job-id', id, '--', 'restic', '-r', repo, 'backup', data], wrong);
    assert.equal(await run.exited, direct.status);
    assert.ok(run.stderr.includes(fatal), 'restic\'s error reaches the terminal untouched');
    const job = await hub.job(id);
    assert.equal(job.status, 'failed');
    assert.ok(job.error_message?.includes(fatal.replace(/^\{.*"message":"|".*$/g, '')), job.error_message ?? 'no error message');
    assert.match(job.error_message!, new RegExp(`exit code ${direct.status}`));
    assert.equal(job.details?.exit_code, direct.status);
  });

  it('completes restic\'s exit 3 (a file it could not read) as a success with warnings, each warning a log entry', async () => {
    const { repo, env } = resticRepo();
    const dir = mkdtempSync(join(tmpdir(), 'bt-bridge-unreadable-'));
    writeFileSync(join(dir, 'ok.txt'), 'readable\n');
    writeFileSync(join(dir, 'locked.db'), 'secret\n', { mode: 0o000 });
    // root reads any file: without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH it cannot read this one.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'] : [];
    try {
      const id = jobId('restic-warnings');
      const run = startBridge(['--hub', hub.url, '--transport', 'http', '--job-id', id, '--', ...asUser, 'restic', '-r', repo, 'backup', dir], env);
      assert.equal(await run.exited, 3, run.stderr);
      const job = await hub.job(id);
      assert.equal(job.status, 'completed');
      assert.equal(job.warnings_count, 1);
      assert.equal(job.details?.incomplete_snapshot, true);
      const log = await (await fetch(`${hub.url}/api/v1/backups/${id}/log`)).json() as { entries: { level: string; source: string; message: string }[] };
      const warnings = log.entries.filter((e) => e.source === 'client');
      assert.equal(warnings.length, 1, JSON.stringify(log.entries));
      assert.equal(warnings[0]!.level, 'warning');
      assert.match(warnings[0]!.message, /locked\.db/);
      assert.equal(log.entries.at(-1)!.message, 'Completed with 1 warning');
      const stats = (await (await fetch(`${hub.url}/api/v1/backups/stats?vm_name=${encodeURIComponent(job.vm_name)}`)).json()) as { completed_with_warnings: number };
      assert.ok(stats.completed_with_warnings >= 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops restic on SIGINT, ends the job cancelled and exits 130, leaving no snapshot', async () => {
    const { repo, env } = resticRepo();
    const id = jobId('restic-interrupted');
    // The upload limit (KiB/s) keeps the backup running long enough to be interrupted mid-transfer.
    const run = startBridge(['--hub', hub.url, '--transport', 'http', '--job-id', id, '--interval-seconds', '1', '--',
      'restic', '-r', repo, '--limit-upload', '20480', 'backup', data], env);
    await run.waitFor('restic: transferring');
    await waitUntil(async () => (await hub.job(id)).bytes_transferred > 0);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 130, run.stderr);
    assert.match(run.stderr, /SIGINT: stopping restic/);
    const job = await hub.job(id);
    assert.equal(job.status, 'cancelled');
    assert.equal(job.details?.cancelled_by, 'SIGINT');
    assert.ok(job.bytes_transferred > 0 && job.bytes_transferred < DATA_BYTES, `stopped mid-backup at ${job.bytes_transferred} bytes`);
    assert.deepEqual(JSON.parse(restic(['-r', repo, 'snapshots', '--json'], env).stdout), []);
  });

  it('passes output it does not understand to the terminal untouched', async () => {
    const { repo, env } = resticRepo();
    const id = jobId('restic-passthrough');
    const missing = join(tmpdir(), `bt-bridge-missing-${process.pid}`);
    const direct = restic(['-r', repo, 'backup', '--json', missing, small], env);
    const notice = direct.stderr.split('\n').find((l) => l.includes(missing));
    assert.ok(notice, direct.stderr);
    const run = startBridge(['--hub', hub.url, '--transport', 'http', '--job-id', id, '--', 'restic', '-r', repo, 'backup', missing, small], env);
    assert.equal(await run.exited, direct.status);
    assert.ok(run.stderr.split('\n').includes(notice), `expected restic's own line ${JSON.stringify(notice)} in:\n${run.stderr}`);
    assert.equal((await hub.job(id)).status, 'completed');
  });

  it('still runs the backup, and exits with restic\'s status, when the hub cannot be reached', async () => {
    const { repo, env } = resticRepo();
    {
      const run = startBridge(['--hub', await closedPortUrl(), '--', 'restic', '-r', repo, 'backup', small], env);
      assert.equal(await run.exited, 0, run.stderr);
      assert.match(run.stderr, /running without telemetry/);
      assert.equal((JSON.parse(restic(['-r', repo, 'snapshots', '--json'], env).stdout) as unknown[]).length, 1);
    }
  });

  for (const readme of ['README.md', 'packages/bridge/README.md']) {
    it(`runs the restic commands of ${readme} as written, through npx from the repository root: the job ends completed with the bytes of ~/Documents`, async () => {
      const { home, documentsBytes, repository } = await readmeWorld('/tmp/restic-repo');
      const run = runAsWritten(readmeCommands(readme, 'restic'), { hubPort: Number(new URL(hub.url).port), home, repository });
      assert.equal(await run.exited, 0, run.stderr);
      const job = await hub.job(registeredJobId(run.stderr));
      assert.equal(job.status, 'completed');
      assert.equal(job.vm_name, hostname());
      assert.equal(job.repository_id, 'local');
      assert.equal(job.repository_path, repository[1]);
      assert.equal(job.bytes_transferred, documentsBytes);
      assert.equal(job.details?.exit_code, 0);
    });
  }

  it('exits through npx with restic\'s own status when the README\'s backup command fails (no repository yet)', async () => {
    const { home, repository } = await readmeWorld('/tmp/restic-repo');
    const lines = readmeCommands('README.md', 'restic').filter((line) => !line.startsWith('restic init'));
    const run = runAsWritten(lines, { hubPort: Number(new URL(hub.url).port), home, repository });
    const direct = restic(['-r', repository[1], 'backup', '--json', join(home, 'Documents')], { ...process.env, RESTIC_PASSWORD: 'x', HOME: home });
    assert.notEqual(direct.status, 0);
    assert.equal(await run.exited, direct.status, run.stderr);
    const job = await hub.job(registeredJobId(run.stderr));
    assert.equal(job.status, 'failed');
    assert.match(job.error_message ?? '', new RegExp(`exit code ${direct.status}`));
  });
});

function pick(details: BackupJob['details'], keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, details?.[k]]));
}

/** A URL nothing listens on: a port the OS just handed out and took back. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
