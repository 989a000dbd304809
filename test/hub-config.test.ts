import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, DEFAULT_DATABASE_URL, DEFAULT_PORT, DEFAULT_WEBHOOK_EVENTS, readConfig } from '../examples/hub/src/config.js';
import { pluginOptions } from '../examples/hub/src/app.js';
import pino from 'pino';
import { ROOT } from './support/processes.js';

describe('example hub configuration', () => {
  it('starts on port 8082 with a SQLite file when nothing is set', () => {
    const config = readConfig({});
    assert.equal(config.port, DEFAULT_PORT);
    assert.equal(config.databaseUrl, DEFAULT_DATABASE_URL);
    assert.equal(config.redisUrl, undefined);
    assert.deepEqual(config.ingestTokens, []);
    assert.equal(config.staleFailAfterSeconds, undefined, 'unset values keep the plugin defaults');
    assert.deepEqual(config.adminTokens, [], 'the admin API stays closed');
    assert.equal(config.defaultRpoHours, undefined, 'the plugin default RPO (24 h)');
    assert.equal(config.demo, 'auto', 'the living demo fills an empty embedded database');
  });

  it('reads the default RPO in hours, or off for not monitored, and the admin tokens', () => {
    assert.equal(readConfig({ TELEMETRY_DEFAULT_RPO_HOURS: '36' }).defaultRpoHours, 36);
    assert.equal(readConfig({ TELEMETRY_DEFAULT_RPO_HOURS: '0.5' }).defaultRpoHours, 0.5);
    assert.equal(readConfig({ TELEMETRY_DEFAULT_RPO_HOURS: 'off' }).defaultRpoHours, null);
    assert.deepEqual(readConfig({ TELEMETRY_ADMIN_TOKENS: 'ops-1, ops-2,' }).adminTokens, ['ops-1', 'ops-2']);
  });

  it('takes a MySQL, PostgreSQL or SQLite DATABASE_URL', () => {
    for (const url of ['mysql://root@db:3306/t', 'mariadb://root@db/t', 'postgres://postgres@db:5432/t', 'postgresql://u:p@db/t', 'sqlite:/var/lib/bt.sqlite']) {
      assert.equal(readConfig({ DATABASE_URL: url }).databaseUrl, url);
    }
  });

  it('turns the living demo off, or on for any empty database, with TELEMETRY_DEMO', () => {
    assert.equal(readConfig({ TELEMETRY_DEMO: 'off' }).demo, 'off');
    assert.equal(readConfig({ TELEMETRY_DEMO: ' OFF ' }).demo, 'off');
    assert.equal(readConfig({ TELEMETRY_DEMO: 'on' }).demo, 'on');
    assert.equal(readConfig({ TELEMETRY_DEMO: '' }).demo, 'auto');
  });

  it('reads every documented variable', () => {
    const config = readConfig({
      PORT: '9000', DATABASE_URL: 'mysql://root@127.0.0.1:3306/test', REDIS_URL: 'redis://127.0.0.1:6379',
      TELEMETRY_STALE_CHECK_CRON: '*/5 * * * * *', TELEMETRY_STALE_WARN_SECONDS: '30', TELEMETRY_STALE_FAIL_SECONDS: '120',
      TELEMETRY_SNAPSHOT_INTERVAL_SECONDS: '2', TELEMETRY_INGEST_TOKENS: 'alpha, beta,', TELEMETRY_RATE_LIMIT_PER_MINUTE: '600',
    });
    assert.deepEqual(
      [config.port, config.databaseUrl, config.redisUrl, config.staleCheckCron, config.staleWarnAfterSeconds, config.staleFailAfterSeconds, config.snapshotIntervalSeconds, config.ingestTokens, config.rateLimitPerMinute],
      [9000, 'mysql://root@127.0.0.1:3306/test', 'redis://127.0.0.1:6379', '*/5 * * * * *', 30, 120, 2, ['alpha', 'beta'], 600],
    );
  });

  it('keeps socket CORS closed unless origins are configured', () => {
    assert.deepEqual(readConfig({}).corsOrigins, []);
    assert.deepEqual(readConfig({ TELEMETRY_CORS_ORIGINS: 'https://admin.example.com, http://localhost:5173' }).corsOrigins, ['https://admin.example.com', 'http://localhost:5173']);
    assert.deepEqual(readConfig({ TELEMETRY_CORS_ORIGINS: '*' }).corsOrigins, ['*']);
  });

  for (const [variable, value, message] of [
    ['PORT', 'eighty', /PORT: expected a TCP port/],
    ['PORT', '70000', /PORT: expected a TCP port/],
    ['DATABASE_URL', 'oracle://db/x', /DATABASE_URL: expected sqlite:<path>, mysql:\/\/.* or postgres:\/\//],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL: expected redis:\/\/host:6379/],
    ['TELEMETRY_STALE_CHECK_CRON', 'every minute', /TELEMETRY_STALE_CHECK_CRON: expected a cron expression/],
    ['TELEMETRY_STALE_WARN_SECONDS', '-5', /TELEMETRY_STALE_WARN_SECONDS: expected a positive number/],
    ['TELEMETRY_SNAPSHOT_INTERVAL_SECONDS', '5s', /TELEMETRY_SNAPSHOT_INTERVAL_SECONDS: expected a number of seconds/],
    ['TELEMETRY_TABLE_PREFIX', 'bt-', /TELEMETRY_TABLE_PREFIX: expected up to 32 letters/],
    ['TELEMETRY_RATE_LIMIT_PER_MINUTE', '0', /TELEMETRY_RATE_LIMIT_PER_MINUTE: expected a positive whole number/],
    ['TELEMETRY_CORS_ORIGINS', 'admin.example.com', /TELEMETRY_CORS_ORIGINS: expected \* or comma-separated origins/],
    ['TELEMETRY_DEFAULT_RPO_HOURS', '0', /TELEMETRY_DEFAULT_RPO_HOURS: expected a number of hours from 0.0167 \(one minute\) to 8760, or off/],
    ['TELEMETRY_DEFAULT_RPO_HOURS', '9000', /TELEMETRY_DEFAULT_RPO_HOURS: expected a number of hours/],
    ['TELEMETRY_DEFAULT_RPO_HOURS', 'never', /TELEMETRY_DEFAULT_RPO_HOURS: expected a number of hours/],
    ['TELEMETRY_DEMO', 'no', /TELEMETRY_DEMO: expected auto, on or off/],
  ] as const) {
    it(`names ${variable} and the bad value ${JSON.stringify(value)}`, () => {
      assert.throws(() => readConfig({ [variable]: value }), (error: unknown) => error instanceof ConfigError && message.test(error.message) && error.message.includes(JSON.stringify(value)));
    });
  }

  it('reads one webhook endpoint from TELEMETRY_WEBHOOK_* and hands it to the plugin', () => {
    assert.equal(readConfig({}).webhook, undefined);
    assert.equal(readConfig({}).notifications, true);
    const config = readConfig({
      TELEMETRY_WEBHOOK_URL: 'https://hooks.example.com/backup', TELEMETRY_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      TELEMETRY_WEBHOOK_EVENTS: 'job.failed, machine.at_risk', TELEMETRY_NOTIFICATIONS: 'off',
    });
    assert.deepEqual(config.webhook, { url: 'https://hooks.example.com/backup', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', format: 'generic', events: ['job.failed', 'machine.at_risk'] });
    const options = pluginOptions(config, pino({ level: 'silent' }));
    assert.deepEqual(options.notificationEndpoints, [config.webhook]);
    assert.equal(options.notifications, false);
    const slack = readConfig({ TELEMETRY_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X', TELEMETRY_WEBHOOK_FORMAT: 'slack' });
    assert.deepEqual([slack.webhook?.format, slack.webhook?.secret, slack.webhook?.events], ['slack', undefined, DEFAULT_WEBHOOK_EVENTS]);
    assert.equal(pluginOptions(slack, pino({ level: 'silent' })).notifications, undefined, 'on by default: the plugin default applies');
  });

  for (const [env, variable, message] of [
    [{ TELEMETRY_WEBHOOK_URL: 'ftp://x/y', TELEMETRY_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'TELEMETRY_WEBHOOK_URL', /expected an http\(s\) URL/],
    [{ TELEMETRY_WEBHOOK_URL: 'https://x/y' }, 'TELEMETRY_WEBHOOK_SECRET', /is required with the generic format/],
    [{ TELEMETRY_WEBHOOK_URL: 'https://x/y', TELEMETRY_WEBHOOK_FORMAT: 'teams' }, 'TELEMETRY_WEBHOOK_FORMAT', /expected one of generic, slack, ntfy, got "teams"/],
    [{ TELEMETRY_WEBHOOK_URL: 'https://x/y', TELEMETRY_WEBHOOK_FORMAT: 'ntfy', TELEMETRY_WEBHOOK_EVENTS: 'job.failed,job.boom' }, 'TELEMETRY_WEBHOOK_EVENTS', /got "job.boom"/],
    [{ TELEMETRY_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'TELEMETRY_WEBHOOK_SECRET', /is set but TELEMETRY_WEBHOOK_URL is not/],
    [{ TELEMETRY_NOTIFICATIONS: 'no' }, 'TELEMETRY_NOTIFICATIONS', /expected on or off, got "no"/],
  ] as const) {
    it(`names ${variable} when ${JSON.stringify(env)}`, () => {
      assert.throws(() => readConfig(env), (error: unknown) => error instanceof ConfigError && error.variable === variable && message.test(error.message));
    });
  }

  it('refuses a fail threshold that is not after the warning', () => {
    assert.throws(() => readConfig({ TELEMETRY_STALE_WARN_SECONDS: '60', TELEMETRY_STALE_FAIL_SECONDS: '30' }), /must be greater than TELEMETRY_STALE_WARN_SECONDS \(60\)/);
  });

  it('hides the password of a database URL it refuses', () => {
    assert.throws(() => readConfig({ DATABASE_URL: 'oracle://admin:s3cret@db/x' }), (error: Error) => !error.message.includes('s3cret'));
  });

  it('exits 2 with one clear log line when started with a bad value', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'examples/hub/dist/server.js')], {
      env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 10_000,
    });
    assert.equal(run.status, 2);
    const line = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    assert.equal(line.variable, 'PORT');
    assert.match(line.msg, /bad configuration: PORT: expected a TCP port 0–65535, got "abc"/);
  });
});
