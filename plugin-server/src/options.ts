import type { Knex } from 'knex';
import type { AuthorizeAdmin, AuthorizeViewer, VerifyIngest } from './access/access.js';
import { POLICY_LIMITS, validateEndpointRequest, type NotificationEndpointRequest } from '@backup-telemetry/contract';
import { resolveAllowedOrigins, type AllowedOrigins } from './access/origin.js';
import { defaultLogger, type Logger } from './logger.js';
import { DEFAULT_ANOMALY_THRESHOLDS, type AnomalyThresholds } from './insight/anomalies.js';
import { DEFAULT_TREND_THRESHOLDS, type BackupWindow, type TrendThresholds } from './insight/trends.js';

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
  /** Ingest transactions in flight at once, jobs hashed to lanes so each job's updates stay in order. Default 2 on MySQL (measured best once a batch stopped reading its jobs back: bigger batches cost the database less per update), 1 on SQLite (one connection). */
  ingestLanes?: number;
  /** Milliseconds an ingest transaction may take before its updates are refused with 503 (a stalled database). Default 5000. */
  transactionTimeoutMs?: number;
  /** Largest accepted request body in bytes. Default 65,536 (64 KB). */
  bodyLimitBytes?: number;
  /** With `databaseUrl`: milliseconds to wait for a database connection before answering 503. Default 5000. */
  acquireTimeoutMs?: number;
  /** Run the stale detector, and with it the at-risk sweep, on this instance (safe on every instance at once). Default true. */
  staleDetection?: boolean;
  /** Cron expression of the stale check; a sixth (seconds) field is allowed. Default every 30 s: `*\/30 * * * * *`. */
  staleCheckCron?: string;
  /** Seconds of silence after which a running job gets one `job:stale` warning. Default 60. */
  staleWarnAfterSeconds?: number;
  /** Seconds of silence after which a running job is marked failed. Default 300. */
  staleFailAfterSeconds?: number;
  /** Bearer tokens accepted for ingest (HTTP `Authorization: Bearer`, socket `auth.token`). Unset with no `verifyIngest`: ingest is open. */
  ingestTokens?: readonly string[];
  /** Scopes tokens to jobs or VMs: return false to answer 403. Called for registrations (with `vm_name`) and updates. */
  verifyIngest?: VerifyIngest;
  /** Guards every REST read and socket subscription: return false to answer 403. Default: everyone may view. */
  authorizeViewer?: AuthorizeViewer;
  /** Guards the admin API (`PUT`/`DELETE /machines/:vm_name/policy`, target `{action: 'set_policy', vm_name}`; `/notifications/*`, target `{action: 'notifications'}`): return false for 403, throw `TelemetryError('unauthorized')` for 401. Default: none, so every admin call is refused with 403. */
  authorizeAdmin?: AuthorizeAdmin;
  /** RPO of VMs without a policy of their own, in hours (down to 1/60); null: such VMs are not monitored. Default 24. */
  defaultRpoHours?: number | null;
  /** Grace minutes past the RPO of VMs without a policy of their own, and of a policy that gives none. Default 60. */
  defaultGraceMinutes?: number;
  /** Seconds the per-VM series of `/metrics` (read from the store) are cached; every instance serves the same values. Default 5. */
  metricsCacheSeconds?: number;
  /** Milliseconds over which `machine:update` pushes to `{fleet: true}` viewers are coalesced per VM. Default 1000. */
  fleetPushIntervalMs?: number;
  /** Updates per job per minute before 429 (per hub instance); 0 disables. Default 600 (10/s; the SDK sends about one per 5 s). */
  rateLimitPerMinute?: number;
  /** Updates per token (per address when ingest is open) per minute before 429 (per hub instance); 0 disables. Default 120,000 (2,000/s): raise it for big fleets sharing one token or NAT address. */
  rateLimitPerSourcePerMinute?: number;
  /** REST reads and socket subscribes per address per minute before 429 (per hub instance); 0 disables. Default 1,200 (20/s): a viewer's page needs a handful. */
  readRateLimitPerSourcePerMinute?: number;
  /** Origins of web pages, besides the hub's own, that may open the `/telemetry` socket (e.g. `['https://admin.example.com']`; `['*']`: any). Checked on every transport; a handshake without an Origin header (SDK, bridge) always connects. Default: same origin only. */
  allowedOrigins?: readonly string[];
  /** Job registrations (`POST /backups`) per token (per address when ingest is open) per minute before 429 (per hub instance); 0 disables. Default 12,000 (200/s: a 10,000-VM fleet sharing one token may all start in the same minute). */
  rateLimitRegistrationsPerMinute?: number;
  /** Webhook endpoints configured by the host (same shape as `POST /notifications/endpoints`; a `generic` one needs its `secret`), upserted at `migrate()`. Default none. */
  notificationEndpoints?: readonly NotificationEndpointRequest[];
  /** Run the webhook deliverer on this instance (safe on every instance at once). Events are written to the outbox either way. Default true. */
  notifications?: boolean;
  /** Milliseconds between two looks for due webhook deliveries. Default 1000. */
  notifyPollIntervalMs?: number;
  /** Milliseconds a webhook receiver has to answer before the attempt counts as failed. Default 10,000 (10 s). */
  notifyTimeoutMs?: number;
  /** Webhook attempts in flight at once per instance. Default 4. */
  notifyConcurrency?: number;
  /** Milliseconds between two reloads of the webhook endpoints cached in memory (an endpoint created on another instance is seen here that much later). Default 5000. */
  notifyEndpointRefreshMs?: number;
  /** Days after its event a finished webhook delivery (delivered, failed, gone) and then the event are deleted; 0 keeps them forever. Default 30. */
  notifyRetentionDays?: number;
  /** Hours between `machine.at_risk` reminders (`data.reminder: true`) while a VM stays at risk (the at-risk sweep's recorded state); 0: no reminders. Default 24. */
  atRiskReminderHours?: number;
  /** `job.failed` and `job.stale` webhooks are sent once a VM's failures in a row reach this. Default 1 (every failure). */
  alertAfterConsecutiveFailures?: number;
  /**
   * When a completed job is flagged against its VM's own history (README, "Job insight"); give only
   * the fields to change. Default `{minJobs: 5, historyJobs: 20, highRatio: 3, criticalHighRatio: 10,
   * lowRatio: 0.1, criticalLowRatio: 0.01, spreadFactor: 3}`.
   */
  anomalyThresholds?: Partial<AnomalyThresholds>;
  /**
   * When a VM's recent jobs raise early warnings (`GET /machines/:vm_name/insight`); give only the
   * fields to change. Default `{minJobs: 5, trendJobs: 10, failuresInRow: 2, windowHorizonDays: 14,
   * speedDropPercent: 30, minFit: 0.5}`.
   */
  trendThresholds?: Partial<TrendThresholds>;
  /**
   * The daily window backups must fit in, for the "overruns its window" warning: `{start: '02:00',
   * hours: 4}` for every VM, or a function giving each VM's (null: none). Default null: no window warning.
   */
  backupWindow?: BackupWindow | ((vmName: string) => BackupWindow | null) | null;
  /** Structured logger (pino-compatible). Default: JSON lines on stderr at warn level. */
  logger?: Logger;
  /** Clock in epoch ms (tests; a fraction is dropped). Default `Date.now`. */
  now?: () => number;
}

export interface ResolvedOptions {
  tablePrefix: string;
  snapshotIntervalMs: number;
  maxChartPoints: number;
  maxBatchSize: number;
  transactionTimeoutMs: number;
  ingestLanes: number | undefined;
  bodyLimitBytes: number;
  acquireTimeoutMs: number;
  rateLimitPerMinute: number;
  rateLimitPerSourcePerMinute: number;
  readRateLimitPerSourcePerMinute: number;
  allowedOrigins: AllowedOrigins;
  rateLimitRegistrationsPerMinute: number;
  defaultRpoHours: number | null;
  defaultGraceMinutes: number;
  fleetPushIntervalMs: number;
  metricsCacheMs: number;
  staleDetection: boolean;
  staleCheckCron: string;
  staleWarnAfterMs: number;
  staleFailAfterMs: number;
  notificationEndpoints: NotificationEndpointRequest[];
  notifications: boolean;
  notifyPollIntervalMs: number;
  notifyTimeoutMs: number;
  notifyConcurrency: number;
  notifyEndpointRefreshMs: number;
  notifyRetentionMs: number;
  atRiskReminderMs: number;
  alertAfterConsecutiveFailures: number;
  anomalyThresholds: AnomalyThresholds;
  trendThresholds: TrendThresholds;
  backupWindowOf: (vmName: string) => BackupWindow | null;
  logger: Logger;
  now: () => number;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${value})`);
  return value;
}

function defaultRpo(value: number | null | undefined): number | null {
  if (value === null) return null;
  if (value === undefined) return 24;
  if (!Number.isFinite(value) || value < POLICY_LIMITS.minRpoHours - 1e-9 || value > POLICY_LIMITS.maxRpoHours) {
    throw new Error(`defaultRpoHours must be null or from 1/60 (one minute) to ${POLICY_LIMITS.maxRpoHours} hours (got ${value})`);
  }
  return value;
}

function endpointsOption(value: readonly NotificationEndpointRequest[] | undefined): NotificationEndpointRequest[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error('notificationEndpoints must be a list of endpoints');
  return value.map((raw, i) => {
    const field = `notificationEndpoints[${i}]`;
    let endpoint: NotificationEndpointRequest;
    try {
      endpoint = validateEndpointRequest(raw, field);
    } catch (error) {
      throw new Error((error as Error).message);
    }
    if ((endpoint.format ?? 'generic') === 'generic' && endpoint.secret === undefined) throw new Error(`${field}.secret is required for a generic endpoint (its receiver verifies signatures with it)`);
    return endpoint;
  });
}

const atLeastOne = (name: string, value: number | undefined, fallback: number) => Math.max(1, Math.floor(nonNegative(name, value, fallback)));
/** Each given threshold checked (a finite number ≥ 0), over the defaults. */
function thresholds<T extends object>(name: string, given: Partial<T> | undefined, defaults: T): T {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!(key in defaults)) throw new Error(`${name}.${key} is not a known threshold`);
    if (value === undefined) continue;
    (out as Record<string, number>)[key] = nonNegative(`${name}.${key}`, value as number, 0);
  }
  return out;
}

const WINDOW_START = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A backup window checked: start `HH:MM`, more than 0 and at most 24 hours. */
export function checkedWindow(window: BackupWindow | null): BackupWindow | null {
  if (window === null) return null;
  if (typeof window !== 'object' || !WINDOW_START.test(String(window.start)) || !(window.hours > 0 && window.hours <= 24)) {
    throw new Error(`backupWindow must be {start: 'HH:MM', hours: more than 0, at most 24} (got ${JSON.stringify(window)})`);
  }
  return { start: window.start, hours: window.hours };
}

function backupWindowOf(option: TelemetryPluginOptions['backupWindow']): (vmName: string) => BackupWindow | null {
  if (typeof option === 'function') return (vmName) => checkedWindow(option(vmName));
  const fixed = checkedWindow(option ?? null);
  return () => fixed;
}

export function resolveOptions(options: TelemetryPluginOptions): ResolvedOptions {
  const maxChartPoints = nonNegative('maxChartPoints', options.maxChartPoints, 200);
  if (maxChartPoints < 3) throw new Error('maxChartPoints must be at least 3');
  return {
    tablePrefix: options.tablePrefix ?? '',
    snapshotIntervalMs: nonNegative('snapshotIntervalSeconds', options.snapshotIntervalSeconds, 5) * 1000,
    maxChartPoints,
    maxBatchSize: Math.max(1, nonNegative('maxBatchSize', options.maxBatchSize, 500)),
    ingestLanes: options.ingestLanes === undefined ? undefined : Math.max(1, Math.floor(nonNegative('ingestLanes', options.ingestLanes, 1))),
    transactionTimeoutMs: Math.max(1, nonNegative('transactionTimeoutMs', options.transactionTimeoutMs, 5000)),
    bodyLimitBytes: nonNegative('bodyLimitBytes', options.bodyLimitBytes, 64 * 1024),
    acquireTimeoutMs: nonNegative('acquireTimeoutMs', options.acquireTimeoutMs, 5000),
    rateLimitPerMinute: nonNegative('rateLimitPerMinute', options.rateLimitPerMinute, 600),
    rateLimitPerSourcePerMinute: nonNegative('rateLimitPerSourcePerMinute', options.rateLimitPerSourcePerMinute, 120_000),
    readRateLimitPerSourcePerMinute: nonNegative('readRateLimitPerSourcePerMinute', options.readRateLimitPerSourcePerMinute, 1200),
    allowedOrigins: resolveAllowedOrigins(options.allowedOrigins),
    rateLimitRegistrationsPerMinute: nonNegative('rateLimitRegistrationsPerMinute', options.rateLimitRegistrationsPerMinute, 12_000),
    defaultRpoHours: defaultRpo(options.defaultRpoHours),
    defaultGraceMinutes: Math.floor(nonNegative('defaultGraceMinutes', options.defaultGraceMinutes, POLICY_LIMITS.defaultGraceMinutes)),
    metricsCacheMs: nonNegative('metricsCacheSeconds', options.metricsCacheSeconds, 5) * 1000,
    fleetPushIntervalMs: nonNegative('fleetPushIntervalMs', options.fleetPushIntervalMs, 1000),
    staleDetection: options.staleDetection ?? true,
    staleCheckCron: options.staleCheckCron ?? '*/30 * * * * *',
    staleWarnAfterMs: nonNegative('staleWarnAfterSeconds', options.staleWarnAfterSeconds, 60) * 1000,
    staleFailAfterMs: nonNegative('staleFailAfterSeconds', options.staleFailAfterSeconds, 300) * 1000,
    notificationEndpoints: endpointsOption(options.notificationEndpoints),
    notifications: options.notifications ?? true,
    notifyPollIntervalMs: atLeastOne('notifyPollIntervalMs', options.notifyPollIntervalMs, 1000),
    notifyTimeoutMs: atLeastOne('notifyTimeoutMs', options.notifyTimeoutMs, 10_000),
    notifyConcurrency: atLeastOne('notifyConcurrency', options.notifyConcurrency, 4),
    notifyEndpointRefreshMs: atLeastOne('notifyEndpointRefreshMs', options.notifyEndpointRefreshMs, 5000),
    notifyRetentionMs: nonNegative('notifyRetentionDays', options.notifyRetentionDays, 30) * 86_400_000,
    atRiskReminderMs: nonNegative('atRiskReminderHours', options.atRiskReminderHours, 24) * 3_600_000,
    alertAfterConsecutiveFailures: atLeastOne('alertAfterConsecutiveFailures', options.alertAfterConsecutiveFailures, 1),
    anomalyThresholds: thresholds('anomalyThresholds', options.anomalyThresholds, DEFAULT_ANOMALY_THRESHOLDS),
    trendThresholds: thresholds('trendThresholds', options.trendThresholds, DEFAULT_TREND_THRESHOLDS),
    backupWindowOf: backupWindowOf(options.backupWindow),
    logger: options.logger ?? defaultLogger(),
    // Whole milliseconds: every time column is an integer (PostgreSQL refuses a fraction in a BIGINT).
    now: options.now ? ((clock) => () => Math.floor(clock()))(options.now) : Date.now,
  };
}
