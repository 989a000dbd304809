import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { randomFolder, startBridge } from './support/bridge.js';
import { startHub, type TestHub } from './support/hub.js';
import { readmeCommands, readmeWorld, registeredJobId, runAsWritten } from './support/readme.js';
import { borgRepo, buildBridge, installed, removeTempDirs } from './support/tools.js';

const DATA_BYTES = 64 * 1024 * 1024;
const hasBorg = installed('borg', '--version');

describe('backup-telemetry run -- borg create (real borg, real hub)', { skip: !hasBorg && 'borg is not installed (Debian: apt-get install borgbackup)' }, () => {
  let hub: TestHub;
  let data: string;

  before(async () => {
    buildBridge();
    [hub, data] = await Promise.all([startHub(), randomFolder(DATA_BYTES, 8 * 1024 * 1024)]);
  });

  after(async () => {
    await hub?.close();
    if (data) rmSync(data, { recursive: true, force: true });
    removeTempDirs();
  });

  it('completes the job with the archive\'s sizes from borg create --json, after adding --log-json --progress', async () => {
    const { repo, env } = borgRepo();
    const id = `borg-create-${process.pid}`;
    const run = startBridge(['--hub', hub.url, '--vm', 'db-01', '--transport', 'http', '--job-id', id, '--',
      'borg', 'create', '--json', `${repo}::first`, data], env);
    assert.equal(await run.exited, 0, run.stderr);
    assert.match(run.stderr, /added --log-json --progress/);
    const stats = (JSON.parse(run.stdout) as { archive: { name: string; stats: { original_size: number; deduplicated_size: number; nfiles: number } } }).archive;

    const job = await hub.job(id);
    assert.equal(job.status, 'completed');
    assert.equal(job.repository_path, repo);
    assert.equal(job.bytes_transferred, stats.stats.original_size);
    assert.ok(job.bytes_transferred >= DATA_BYTES);
    assert.equal(job.details?.archive_name, 'first');
    assert.equal(job.details?.data_added_bytes, stats.stats.deduplicated_size);
    assert.equal(job.details?.files_done, stats.stats.nfiles);
    assert.ok((job.performance_metrics?.chart_data.length ?? 0) >= 2);
  });

  it('fails the job with borg\'s own message on a wrong passphrase, exiting with borg\'s code', async () => {
    const { repo, env } = borgRepo();
    const id = `borg-wrong-${process.pid}`;
    const run = startBridge(['--hub', hub.url, '--transport', 'http', '--job-id', id, '--', 'borg', 'create', `${repo}::x`, data],
      { ...env, BORG_PASSPHRASE: 'not the passphrase' });
    assert.equal(await run.exited, 2);
    assert.match(run.stderr, /^passphrase supplied in BORG_PASSPHRASE.* is incorrect\.$/m, 'borg\'s log line is shown as borg\'s text');
    const job = await hub.job(id);
    assert.equal(job.status, 'failed');
    assert.match(job.error_message ?? '', /passphrase supplied in BORG_PASSPHRASE.*is incorrect\. \(exit code 2\)/);
  });

  it('runs the borg commands of packages/bridge/README.md as written, through npx from the repository root: the job ends completed with the archive\'s bytes', async () => {
    const { home, documentsBytes, repository } = await readmeWorld('/tmp/borg-repo');
    const run = runAsWritten(readmeCommands('packages/bridge/README.md', 'borg'), { hubPort: Number(new URL(hub.url).port), home, repository });
    assert.equal(await run.exited, 0, run.stderr);
    const archive = (JSON.parse(run.stdout) as { archive: { stats: { original_size: number } } }).archive;
    const job = await hub.job(registeredJobId(run.stderr));
    assert.equal(job.status, 'completed');
    assert.equal(job.repository_path, repository[1]);
    assert.equal(job.bytes_transferred, archive.stats.original_size);
    assert.ok(job.bytes_transferred >= documentsBytes);
  });

  it('exits through npx with borg\'s own status when the README\'s create fails (no repository yet)', async () => {
    const { home, repository } = await readmeWorld('/tmp/borg-repo');
    const lines = readmeCommands('packages/bridge/README.md', 'borg').filter((line) => !line.startsWith('borg init'));
    const run = runAsWritten(lines, { hubPort: Number(new URL(hub.url).port), home, repository });
    assert.equal(await run.exited, 2, run.stderr);
    assert.match(run.stderr, /does not exist/);
    assert.equal((await hub.job(registeredJobId(run.stderr))).status, 'failed');
  });
});
