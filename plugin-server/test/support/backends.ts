import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import knexFactory, { type Knex } from 'knex';
import supertest from 'supertest';
import { createTelemetryPlugin, defaultLogger, type TelemetryPlugin, type TelemetryPluginOptions } from '../../src/index.js';

export interface Backend {
  name: 'sqlite' | 'mariadb' | 'postgres';
  /** Why the suite is skipped, or false. */
  skip: string | false;
  /** A fresh database URL for one hub (SQLite: a new file; MariaDB, PostgreSQL: the shared test database). */
  url(): string;
}

let warned = false;

/**
 * SQLite always; MariaDB when MYSQL_URL is set and PostgreSQL when PG_URL is set (CI sets both),
 * otherwise skipped with a visible reason.
 */
export function backends(): Backend[] {
  const mysql = process.env.MYSQL_URL;
  const pg = process.env.PG_URL;
  if ((!mysql || !pg) && !warned) {
    warned = true;
    if (!mysql) console.log('# MYSQL_URL is not set: MariaDB suites are skipped');
    if (!pg) console.log('# PG_URL is not set: PostgreSQL suites are skipped');
  }
  return [
    {
      name: 'sqlite',
      skip: false,
      url: () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'bt-test-')), 'telemetry.sqlite')}`,
    },
    { name: 'mariadb', skip: mysql ? false : 'MYSQL_URL is not set', url: () => mysql ?? '' },
    { name: 'postgres', skip: pg ? false : 'PG_URL is not set', url: () => pg ?? '' },
  ];
}

/**
 * The database servers (MariaDB, PostgreSQL), for suites that need a real server: a TCP proxy to
 * cut, several pools on one database. Each is skipped with its reason when its URL is unset.
 */
export function servers(): Backend[] {
  return backends().filter((b) => b.name !== 'sqlite');
}

/** The human name of a backend, for test titles. */
export function titleOf(backend: Backend): string {
  return { sqlite: 'SQLite', mariadb: 'MariaDB', postgres: 'PostgreSQL' }[backend.name];
}

/**
 * A host's own knex on `backend`'s server, built the way a host would (its URL string straight to
 * the driver, none of the plugin's connection settings), with optional knex settings on top.
 */
export function hostKnex(backend: Backend, config: Partial<Knex.Config> = {}): Knex {
  if (backend.name === 'sqlite') throw new Error('hostKnex: a host brings its own knex for a database server');
  const client = backend.name === 'mariadb' ? 'mysql2' : 'pg';
  return knexFactory({ client, connection: backend.url().replace(/^mariadb:/, 'mysql:'), acquireConnectionTimeout: 5000, ...config });
}

/** A unique table prefix, so test files sharing one MariaDB or PostgreSQL database never see each other's rows. */
export function uniquePrefix(): string {
  return `t${randomBytes(4).toString('hex')}_`;
}

export interface TestHub {
  plugin: TelemetryPlugin;
  app: express.Express;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

/** Wall-clock time that never repeats a millisecond, so "newest first" is well defined in fast tests. */
export function monotonicClock(): () => number {
  let last = 0;
  return () => (last = Math.max(Date.now(), last + 1));
}

/**
 * A migrated plugin on a fresh database of `backend` (test defaults: unique prefix, every update a
 * snapshot, no stale cron, silent logs). `dispose` drops its tables unless told to keep them, closes it,
 * and removes a SQLite file it created.
 */
export async function migratedPlugin(backend: Backend, options: Partial<TelemetryPluginOptions> = {}) {
  const url = options.databaseUrl ?? backend.url();
  const plugin = createTelemetryPlugin({
    now: monotonicClock(),
    staleDetection: false,
    databaseUrl: options.knex ? undefined : url,
    tablePrefix: uniquePrefix(),
    snapshotIntervalSeconds: 0,
    logger: defaultLogger(process.env.TEST_LOG_LEVEL as 'silent' ?? 'silent'),
    ...options,
  });
  await plugin.migrate().catch(async (error) => {
    await plugin.close(); // a failed migration must fail the suite, not leave an open pool hanging it
    throw error;
  });
  return {
    plugin,
    async dispose(opts: { keepTables?: boolean } = {}) {
      if (!options.knex && !opts.keepTables) await plugin.store.dropAll().catch(() => undefined);
      await plugin.close();
      if (!opts.keepTables && url.startsWith('sqlite:') && !url.includes(':memory:')) rmSync(join(url.slice(7), '..'), { recursive: true, force: true });
    },
  };
}

/** An Express host with the plugin at /api/v1 on a migrated, empty database. */
export async function startHub(backend: Backend, options: Partial<TelemetryPluginOptions> = {}): Promise<TestHub> {
  const { plugin, dispose } = await migratedPlugin(backend, options);
  const app = express();
  app.use('/api/v1', plugin.router);
  return { plugin, app, http: supertest(app), close: () => dispose() };
}
