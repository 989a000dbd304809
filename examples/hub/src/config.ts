/** The example hub's configuration, read from environment variables. Pure: give it any env object. */
import { NOTIFICATION_EVENT_TYPES } from '@backup-telemetry/contract';

export interface HubConfig {
  port: number;
  /** Interface to listen on. Default all interfaces. */
  host: string | undefined;
  databaseUrl: string;
  /** Prefix of the plugin's tables (several hubs or test runs in one database). */
  tablePrefix: string | undefined;
  redisUrl: string | undefined;
  staleCheckCron: string | undefined;
  staleWarnAfterSeconds: number | undefined;
  staleFailAfterSeconds: number | undefined;
  snapshotIntervalSeconds: number | undefined;
  /** Ingest tokens; empty means ingest is open (anyone who reaches the hub may report). */
  ingestTokens: string[];
  /** Bearer tokens of the admin API (`PUT /api/v1/machines/:vm_name/policy`); empty: the admin API stays closed (403). */
  adminTokens: string[];
  /** RPO of VMs without a policy of their own, in hours; null (`off`): not monitored; undefined: the plugin's default (24). */
  defaultRpoHours: number | null | undefined;
  rateLimitPerMinute: number | undefined;
  /**
   * Origins whose pages may open a Socket.IO connection to this hub, on every transport (the plugin's
   * `allowedOrigins`). Empty: only pages served by the hub itself (no CORS headers); `*`: any origin.
   */
  corsOrigins: string[];
  /** One webhook endpoint from `TELEMETRY_WEBHOOK_*` (the plugin's `notificationEndpoints`), or none. */
  webhook: WebhookConfig | undefined;
  /** `TELEMETRY_NOTIFICATIONS=off`: this instance writes webhook events but does not send them (another instance does). */
  notifications: boolean;
  logLevel: string;
  /**
   * The living demo (`TELEMETRY_DEMO`): `auto` (default) fills a demo fleet and keeps a few jobs
   * running when the database is the embedded default SQLite file and holds no job; `on` does so on
   * any database that holds no job; `off` never. A database that holds jobs is never touched.
   */
  demo: DemoMode;
}

export const DEMO_MODES = ['auto', 'on', 'off'] as const;
export type DemoMode = (typeof DEMO_MODES)[number];
export interface WebhookConfig {
  url: string;
  secret: string | undefined;
  format: 'generic' | 'slack' | 'ntfy';
  events: string[];
}

/** What `TELEMETRY_WEBHOOK_EVENTS` defaults to: what needs a person. */
export const DEFAULT_WEBHOOK_EVENTS = ['job.failed', 'job.stale', 'machine.at_risk', 'machine.protected'];
const WEBHOOK_FORMATS = ['generic', 'slack', 'ntfy'] as const;

/** A bad environment value: the message names the variable, the value and what is expected. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_PORT = 8082;
export const DEFAULT_DATABASE_URL = 'sqlite:./data/telemetry.sqlite';
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function number(env: Env, name: string, check: (n: number) => boolean, expected: string): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n) || !check(n)) {
    throw new ConfigError(name, `expected ${expected}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function url(env: Env, name: string, fallback: string | undefined, pattern: RegExp, expected: string): string | undefined {
  const raw = value(env, name) ?? fallback;
  if (raw !== undefined && !pattern.test(raw)) {
    throw new ConfigError(name, `expected ${expected}, got ${JSON.stringify(raw.replace(/\/\/[^@/]*@/, '//***@'))}`);
  }
  return raw;
}

/** Five or six space-separated cron fields (node-cron accepts a leading seconds field). */
function cron(env: Env, name: string): string | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const fields = raw.split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || fields.some((f) => !/^[\d*/,\-A-Za-z?#L]+$/.test(f))) {
    throw new ConfigError(name, `expected a cron expression with 5 or 6 fields such as "*/30 * * * * *" (every 30 s), got ${JSON.stringify(raw)}`);
  }
  return raw;
}

const tokens = (env: Env, name: string) => (value(env, name) ?? '').split(',').map((t) => t.trim()).filter(Boolean);

/** Hours from one minute to a year, or `off` (not monitored). */
function rpoHours(env: Env): number | null | undefined {
  const name = 'TELEMETRY_DEFAULT_RPO_HOURS';
  if (value(env, name)?.toLowerCase() === 'off') return null;
  return number(env, name, (n) => n >= 1 / 60 - 1e-9 && n <= 8760, 'a number of hours from 0.0167 (one minute) to 8760, or off');
}

function tablePrefix(env: Env): string | undefined {
  const raw = value(env, 'TELEMETRY_TABLE_PREFIX');
  if (raw !== undefined && !/^[A-Za-z0-9_]{1,32}$/.test(raw)) {
    throw new ConfigError('TELEMETRY_TABLE_PREFIX', `expected up to 32 letters, digits or _, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

export function readConfig(env: Env = process.env): HubConfig {
  const port = number(env, 'PORT', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a TCP port 0–65535') ?? DEFAULT_PORT;
  const warn = number(env, 'TELEMETRY_STALE_WARN_SECONDS', (n) => n > 0, 'a positive number of seconds');
  const fail = number(env, 'TELEMETRY_STALE_FAIL_SECONDS', (n) => n > 0, 'a positive number of seconds');
  if (warn !== undefined && fail !== undefined && fail <= warn) {
    throw new ConfigError('TELEMETRY_STALE_FAIL_SECONDS', `must be greater than TELEMETRY_STALE_WARN_SECONDS (${warn}), got ${fail}`);
  }
  const logLevel = value(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  return {
    port,
    host: value(env, 'HOST'),
    databaseUrl: url(env, 'DATABASE_URL', DEFAULT_DATABASE_URL, /^(sqlite:.+|mysql2?:\/\/.+|mariadb:\/\/.+|postgres(ql)?:\/\/.+)$/, 'sqlite:<path>, mysql://user:password@host:3306/database or postgres://user:password@host:5432/database')!,
    tablePrefix: tablePrefix(env),
    redisUrl: url(env, 'REDIS_URL', undefined, /^rediss?:\/\/.+/, 'redis://host:6379'),
    staleCheckCron: cron(env, 'TELEMETRY_STALE_CHECK_CRON'),
    staleWarnAfterSeconds: warn,
    staleFailAfterSeconds: fail,
    snapshotIntervalSeconds: number(env, 'TELEMETRY_SNAPSHOT_INTERVAL_SECONDS', (n) => n >= 0, 'a number of seconds ≥ 0'),
    ingestTokens: tokens(env, 'TELEMETRY_INGEST_TOKENS'),
    adminTokens: tokens(env, 'TELEMETRY_ADMIN_TOKENS'),
    defaultRpoHours: rpoHours(env),
    corsOrigins: corsOrigins(env),
    rateLimitPerMinute: number(env, 'TELEMETRY_RATE_LIMIT_PER_MINUTE', (n) => Number.isInteger(n) && n > 0, 'a positive whole number of updates per minute per job'),
    webhook: webhook(env),
    notifications: onOff(env, 'TELEMETRY_NOTIFICATIONS', true),
    logLevel,
    demo: demoMode(env),
  };
}

function demoMode(env: Env): DemoMode {
  const raw = value(env, 'TELEMETRY_DEMO')?.toLowerCase() ?? 'auto';
  if (!(DEMO_MODES as readonly string[]).includes(raw)) throw new ConfigError('TELEMETRY_DEMO', `expected auto, on or off, got ${JSON.stringify(value(env, 'TELEMETRY_DEMO'))}`);
  return raw as DemoMode;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new ConfigError(name, `expected on or off, got ${JSON.stringify(raw)}`);
}

/** The plugin validates the endpoint again at start; here each variable is named for what it holds. */
function webhook(env: Env): WebhookConfig | undefined {
  const target = url(env, 'TELEMETRY_WEBHOOK_URL', undefined, /^https?:\/\/\S+$/, 'an http(s) URL');
  const others = ['TELEMETRY_WEBHOOK_SECRET', 'TELEMETRY_WEBHOOK_FORMAT', 'TELEMETRY_WEBHOOK_EVENTS'].filter((name) => value(env, name) !== undefined);
  if (target === undefined) {
    if (others.length) throw new ConfigError(others[0]!, 'is set but TELEMETRY_WEBHOOK_URL is not');
    return undefined;
  }
  const format = value(env, 'TELEMETRY_WEBHOOK_FORMAT') ?? 'generic';
  if (!(WEBHOOK_FORMATS as readonly string[]).includes(format)) throw new ConfigError('TELEMETRY_WEBHOOK_FORMAT', `expected one of ${WEBHOOK_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  const secret = value(env, 'TELEMETRY_WEBHOOK_SECRET');
  if (format === 'generic' && secret === undefined) throw new ConfigError('TELEMETRY_WEBHOOK_SECRET', 'is required with the generic format (receivers verify the signature with it), e.g. whsec_ and the base64 of 32 random bytes');
  const events = (value(env, 'TELEMETRY_WEBHOOK_EVENTS') ?? DEFAULT_WEBHOOK_EVENTS.join(',')).split(',').map((e) => e.trim()).filter(Boolean);
  const unknown = events.find((e) => !(NOTIFICATION_EVENT_TYPES as readonly string[]).includes(e));
  if (unknown !== undefined) throw new ConfigError('TELEMETRY_WEBHOOK_EVENTS', `expected comma-separated event types from ${NOTIFICATION_EVENT_TYPES.join(', ')}, got ${JSON.stringify(unknown)}`);
  return { url: target, secret, format: format as WebhookConfig['format'], events };
}

function corsOrigins(env: Record<string, string | undefined>): string[] {
  const origins = (value(env, 'TELEMETRY_CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError('TELEMETRY_CORS_ORIGINS', `expected * or comma-separated origins like https://admin.example.com, got ${JSON.stringify(origin)}`);
    }
  }
  return origins;
}
