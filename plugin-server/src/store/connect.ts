import knexFactory, { type Knex } from 'knex';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { capped, errorText } from '../error-text.js';
import type { Logger } from '../logger.js';

export interface ConnectOptions {
  /** Milliseconds to wait for a pooled connection before failing with 503 (knex's own default is 60 s). */
  acquireTimeoutMs?: number;
  poolMax?: number;
  /** Where knex's own warnings go (connection errors while the database is away); default: knex prints them. */
  logger?: Logger;
}

function knexLog(logger: Logger | undefined) {
  if (!logger) return undefined;
  const text = (m: unknown) => (m instanceof Error ? errorText(m) : capped(String(m)));
  return {
    warn: (m: unknown) => logger.warn({ source: 'knex' }, text(m)),
    error: (m: unknown) => logger.error({ source: 'knex' }, text(m)),
    deprecate: (m: unknown) => logger.warn({ source: 'knex' }, text(m)),
    debug: (m: unknown) => logger.debug({ source: 'knex' }, text(m)),
  };
}

/**
 * Builds a knex instance from `mysql://user:pass@host:port/db`, `postgres://user:pass@host:port/db`
 * or `sqlite:<path>` (`sqlite::memory:`
 * for an in-memory database).
 */
export function knexFromUrl(url: string, options: ConnectOptions = {}): Knex {
  const acquireConnectionTimeout = options.acquireTimeoutMs ?? 5000;
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length) || ':memory:';
    if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      acquireConnectionTimeout,
      log: knexLog(options.logger),
      pool: {
        min: 1,
        max: 1,
        idleTimeoutMillis: filename === ':memory:' ? Number.MAX_SAFE_INTEGER : 30_000,
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = NORMAL');
          conn.pragma('busy_timeout = 5000');
          done(null, conn);
        },
      },
    });
  }
  if (/^mysql2?:\/\//.test(url) || /^mariadb:\/\//.test(url)) {
    const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
    return knexFactory({
      client: 'mysql2',
      connection: {
        host: u.hostname,
        port: u.port ? Number(u.port) : 3306,
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: u.pathname.replace(/^\//, ''),
        supportBigNumbers: true,
        // Lets an ingest batch send its statements in two round trips (store/mysql-ingest-tx.ts).
        // Every statement is built with placeholders; no value is ever spliced into SQL text.
        multipleStatements: true,
        connectTimeout: acquireConnectionTimeout,
      },
      acquireConnectionTimeout,
      log: knexLog(options.logger),
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const u = new URL(url);
    return knexFactory({
      client: 'pg',
      connection: {
        host: u.hostname,
        port: u.port ? Number(u.port) : 5432,
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: u.pathname.replace(/^\//, '') || undefined,
        connectionTimeoutMillis: acquireConnectionTimeout,
        application_name: 'backup-telemetry',
      },
      acquireConnectionTimeout,
      log: knexLog(options.logger),
      pool: { min: 0, max: options.poolMax ?? 10 },
    });
  }
  throw new Error(`DATABASE_URL must start with mysql://, postgres:// or sqlite: (got ${JSON.stringify(url.replace(/\/\/[^@]*@/, '//***@'))})`);
}
