import type { Knex } from 'knex';
import { defaultLogger, type Logger } from './logger.js';

/** Options of `createTelemetryPlugin`. Every default is stated here and nowhere else. */
export interface TelemetryPluginOptions {
  /** The host's knex instance (MySQL/MariaDB via mysql2, or SQLite via better-sqlite3). The plugin never destroys it. */
  knex?: Knex;
  /** Or a URL the plugin connects to itself (and closes on `close()`): `mysql://user:pass@host:3306/db`, `sqlite:./data/telemetry.sqlite`. */
  databaseUrl?: string;
  /** Prefix of every table the plugin owns (letters, digits, `_`). Default `''`. */
  tablePrefix?: string;
  /** Minimum seconds between two stored snapshots of a running job; 0 stores every update. A phase change always stores one. Default 5. */
  snapshotIntervalSeconds?: number;
  /** Most points in a rolled-up or live chart. Default 200. */
  maxChartPoints?: number;
  /** Most updates committed in one transaction. Default 500. */
  maxBatchSize?: number;
  /** Largest accepted request body in bytes. Default 65,536 (64 KB). */
  bodyLimitBytes?: number;
  /** With `databaseUrl`: milliseconds to wait for a database connection before answering 503. Default 5000. */
  acquireTimeoutMs?: number;
  /** Run the stale detector on this instance (safe on every instance at once). Default true. */
  staleDetection?: boolean;
  /** Cron expression of the stale check; a sixth (seconds) field is allowed. Default every 30 s: `*\/30 * * * * *`. */
  staleCheckCron?: string;
  /** Seconds of silence after which a running job gets one `job:stale` warning. Default 60. */
  staleWarnAfterSeconds?: number;
  /** Seconds of silence after which a running job is marked failed. Default 300. */
  staleFailAfterSeconds?: number;
  /** Structured logger (pino-compatible). Default: JSON lines on stderr at warn level. */
  logger?: Logger;
  /** Clock in epoch ms (tests). Default `Date.now`. */
  now?: () => number;
}

export interface ResolvedOptions {
  tablePrefix: string;
  snapshotIntervalMs: number;
  maxChartPoints: number;
  maxBatchSize: number;
  bodyLimitBytes: number;
  acquireTimeoutMs: number;
  staleDetection: boolean;
  staleCheckCron: string;
  staleWarnAfterMs: number;
  staleFailAfterMs: number;
  logger: Logger;
  now: () => number;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${value})`);
  return value;
}

export function resolveOptions(options: TelemetryPluginOptions): ResolvedOptions {
  const maxChartPoints = nonNegative('maxChartPoints', options.maxChartPoints, 200);
  if (maxChartPoints < 3) throw new Error('maxChartPoints must be at least 3');
  return {
    tablePrefix: options.tablePrefix ?? '',
    snapshotIntervalMs: nonNegative('snapshotIntervalSeconds', options.snapshotIntervalSeconds, 5) * 1000,
    maxChartPoints,
    maxBatchSize: Math.max(1, nonNegative('maxBatchSize', options.maxBatchSize, 500)),
    bodyLimitBytes: nonNegative('bodyLimitBytes', options.bodyLimitBytes, 64 * 1024),
    acquireTimeoutMs: nonNegative('acquireTimeoutMs', options.acquireTimeoutMs, 5000),
    staleDetection: options.staleDetection ?? true,
    staleCheckCron: options.staleCheckCron ?? '*/30 * * * * *',
    staleWarnAfterMs: nonNegative('staleWarnAfterSeconds', options.staleWarnAfterSeconds, 60) * 1000,
    staleFailAfterMs: nonNegative('staleFailAfterSeconds', options.staleFailAfterSeconds, 300) * 1000,
    logger: options.logger ?? defaultLogger(),
    now: options.now ?? Date.now,
  };
}
