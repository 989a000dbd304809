import type { JobType } from '@backup-telemetry/contract';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { DEFAULT_CADENCE } from './cadence.js';
import { DEFAULT_RATE } from './rate.js';

/** pino-style logger (`logger.warn({ job_id }, 'message')`); `console` works too. */
export interface Logger {
  debug?(fields: object, message?: string): void;
  info?(fields: object, message?: string): void;
  warn?(fields: object, message?: string): void;
  error?(fields: object, message?: string): void;
}

export interface ReporterOptions {
  /** The hub's base URL, e.g. `http://localhost:8082`. The socket connects to its origin. */
  hubUrl: string;
  /** Ingest token, sent as `Authorization: Bearer` and in the socket handshake `auth: { token }`. */
  token?: string;
  /** Default `backup`. */
  jobType?: JobType;
  jobId: string;
  /** Default `socket`. */
  transport?: 'socket' | 'http';
  /** With `transport: 'socket'`, send over HTTP while the socket is down or refused. Default true. */
  fallbackToHttp?: boolean;
  /** Where the hub mounts its router. Default `/api/v1`. */
  apiBase?: string;
  /** Socket.IO path on the hub. Default `/socket.io`. */
  socketPath?: string;
  /** Default: silent. */
  logger?: Logger;
  /** Send the newest state after this long without a send. Default 5000. */
  intervalMs?: number;
  /** Progress milestones that force a send. Default 10 (percent). */
  milestonePercent?: number;
  /** Window the computed speed is averaged over. Default 10000. */
  speedWindowMs?: number;
  /** Updates kept while the hub is unreachable. Default 100 (about 8 minutes at one per 5 s). */
  queueCapacity?: number;
  /** Retry backoff. Defaults: 500 ms doubling to 30 s, 50 % jitter. */
  retry?: Partial<BackoffOptions>;
  /** Give up an update the hub answers with 500 after this many attempts. Default 5. */
  maxServerErrorAttempts?: number;
  /** HTTP request timeout. Default 10000. */
  requestTimeoutMs?: number;
  /** Socket acknowledgement timeout. Default 10000. */
  ackTimeoutMs?: number;
  /** How long the first socket send waits for the connection. Default 5000. */
  connectTimeoutMs?: number;
  /** How long `complete()` / `fail()` / `cancel()` wait for the hub's ack of the end. Default 30000. */
  endTimeoutMs?: number;
  /** How long `close()` waits for queued updates to be delivered. Default 5000. */
  closeTimeoutMs?: number;
  /** Clock (epoch ms) and randomness, for tests. */
  now?: () => number;
  random?: () => number;
}

export type ResolvedOptions = Required<Omit<ReporterOptions, 'token' | 'retry'>> & { token?: string; retry: BackoffOptions };

export function resolveOptions(options: ReporterOptions): ResolvedOptions {
  return {
    hubUrl: options.hubUrl,
    jobId: options.jobId,
    jobType: 'backup',
    transport: 'socket',
    fallbackToHttp: true,
    apiBase: '/api/v1',
    socketPath: '/socket.io',
    logger: {},
    intervalMs: DEFAULT_CADENCE.intervalMs,
    milestonePercent: DEFAULT_CADENCE.milestonePercent,
    speedWindowMs: DEFAULT_RATE.windowMs,
    queueCapacity: 100,
    maxServerErrorAttempts: 5,
    requestTimeoutMs: 10_000,
    ackTimeoutMs: 10_000,
    connectTimeoutMs: 5000,
    endTimeoutMs: 30_000,
    closeTimeoutMs: 5000,
    now: Date.now,
    random: Math.random,
    ...withoutUndefined(options),
    retry: { ...DEFAULT_BACKOFF, ...withoutUndefined(options.retry ?? {}) },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
