import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCli, UsageError } from '../src/args.js';
import { prepareCommand } from '../src/tools.js';

describe('preparing the wrapped command', () => {
  it('adds --json right after restic backup, so a "--" among restic\'s arguments keeps its meaning', () => {
    const cmd = prepareCommand(['restic', '-r', 'backup', 'backup', '--', '/data'], { env: {} });
    assert.equal(cmd.tool, 'restic');
    assert.deepEqual(cmd.argv, ['restic', '-r', 'backup', 'backup', '--json', '--', '/data']);
    assert.deepEqual(cmd.added, ['--json']);
    assert.equal(cmd.repositoryPath, 'backup');
  });

  it('leaves a restic command alone when it has --json, is not a backup, or auto flags are off', () => {
    assert.deepEqual(prepareCommand(['restic', 'backup', '--json', '/data'], { env: {} }).added, []);
    assert.deepEqual(prepareCommand(['restic', '-r', '/repo', 'snapshots'], { env: {} }).added, []);
    assert.deepEqual(prepareCommand(['restic', 'backup', '/data'], { env: {}, autoFlags: false }).argv, ['restic', 'backup', '/data']);
  });

  it('finds restic behind wrappers and its repository in --repo= or RESTIC_REPOSITORY', () => {
    const cmd = prepareCommand(['sudo', '-E', '/usr/bin/restic', '--repo=/srv/r', 'backup', '/etc'], { env: {} });
    assert.deepEqual(cmd.argv, ['sudo', '-E', '/usr/bin/restic', '--repo=/srv/r', 'backup', '--json', '/etc']);
    assert.equal(cmd.repositoryPath, '/srv/r');
    assert.equal(prepareCommand(['restic', 'backup', '/etc'], { env: { RESTIC_REPOSITORY: 's3:bucket/x' } }).repositoryPath, 's3:bucket/x');
  });

  it('adds --log-json and --progress after borg create, and reads the repository from REPO::ARCHIVE', () => {
    const cmd = prepareCommand(['borg', 'create', '--stats', '/srv/borg::{now}', '/data'], { env: {} });
    assert.deepEqual(cmd.argv, ['borg', 'create', '--log-json', '--progress', '--stats', '/srv/borg::{now}', '/data']);
    assert.equal(cmd.repositoryPath, '/srv/borg');
    assert.deepEqual(prepareCommand(['borg', 'create', '-p', '--log-json', '::a', '/d'], { env: { BORG_REPO: '/b' } }).added, []);
    assert.equal(prepareCommand(['borg', 'create', '::a', '/d'], { env: { BORG_REPO: '/b' } }).repositoryPath, '/b');
  });

  it('runs an unknown tool unchanged, without a parser, unless --tool names it', () => {
    const unknown = prepareCommand(['./my-backup.sh', '/data'], { env: {} });
    assert.equal(unknown.tool, null);
    assert.equal(unknown.parse, null);
    assert.equal(prepareCommand(['./my-backup.sh', '/data'], { env: {}, tool: 'restic' }).tool, 'restic');
  });
});

describe('command line', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const cli = parseCli(args, env);
    assert.equal(cli.kind, 'run');
    return cli.kind === 'run' ? cli.options : assert.fail();
  };

  it('parses the options before "--" and keeps everything after it as the command', () => {
    const options = run(['run', '--hub', 'http://hub:8082', '--vm', 'web-01', '--repository', 'local', '--backup-type', 'full',
      '--transport', 'http', '--job-id', 'nightly-1', '--interval-seconds', '2', '--quiet', '--', 'restic', '--quiet', 'backup', '/data']);
    assert.deepEqual(options, {
      hubUrl: 'http://hub:8082', vmName: 'web-01', repositoryId: 'local', backupType: 'full', token: undefined, transport: 'http',
      jobId: 'nightly-1', tool: undefined, intervalMs: 2000, autoFlags: true, quiet: true, command: ['restic', '--quiet', 'backup', '/data'],
    });
  });

  it('takes the hub, token and repository from the environment, defaulting to an incremental backup of this host over the socket', () => {
    const options = run(['run', '--', 'restic', 'backup'], { BACKUP_TELEMETRY_HUB: 'http://h', BACKUP_TELEMETRY_TOKEN: 't', BACKUP_TELEMETRY_REPOSITORY: 'r' });
    assert.equal(options.hubUrl, 'http://h');
    assert.equal(options.token, 't');
    assert.equal(options.repositoryId, 'r');
    assert.equal(options.backupType, 'incremental');
    assert.equal(options.transport, 'socket');
    assert.ok(options.vmName.length > 0);
  });

  it('refuses a missing hub, a missing command, a command without "--", and bad values', () => {
    const refuses = (args: string[], pattern: RegExp) => assert.throws(() => parseCli(args, {}), (e: unknown) => e instanceof UsageError && pattern.test(e.message));
    refuses(['run', '--', 'restic', 'backup'], /--hub/);
    refuses(['run', '--hub', 'http://h'], /missing the backup command/);
    refuses(['run', '--hub', 'http://h', 'restic', 'backup'], /after "--"/);
    refuses(['run', '--hub', 'nope', '--', 'restic'], /not a URL/);
    refuses(['run', '--hub', 'http://h', '--backup-type', 'differential', '--', 'restic'], /full, incremental/);
    refuses(['run', '--hub', 'http://h', '--transport', 'carrier-pigeon', '--', 'restic'], /socket or http/);
    refuses(['run', '--hub', 'http://h', '--colour', '--', 'restic'], /Unknown option/);
    refuses(['backup'], /unknown command/);
  });
});
