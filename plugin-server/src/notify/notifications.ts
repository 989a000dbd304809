import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { TelemetryError, type BackupJob, type NotificationEndpointRequest, type NotificationEventType } from '@backup-telemetry/contract';
import type { Knex } from 'knex';
import { errorText } from '../error-text.js';
import type { Statement } from '../fleet/summary-sql.js';
import type { JobState } from '../ingest/apply.js';
import type { Logger } from '../logger.js';
import type { Tables } from '../store/tables.js';
import { isMysql } from '../store/dialect.js';
import { toBackupJob } from '../store/rows.js';
import { reminderQueries } from './alert-life.js';
import { Deliverer, type DeliveryResult } from './deliverer.js';
import { deliveryQueries } from './deliveries.js';
import { EndpointCache, endpointQueries } from './endpoints.js';
import { eventId, outboxStatements, payloadText, type OutboxEvent } from './outbox.js';

export interface NotifyOptions {
  knex: Knex;
  tables: Tables;
  logger: Logger;
  now: () => number;
  /** Run this instance's deliverer (`notifications`); events are written to the outbox either way. */
  deliver: boolean;
  pollIntervalMs: number;
  timeoutMs: number;
  concurrency: number;
  endpointRefreshMs: number;
  /** Finished deliveries and their events are deleted this long after the event; 0 keeps them. */
  retentionMs: number;
  /** A VM that stays at risk gets a `machine.at_risk` reminder this often; 0: never. */
  reminderMs: number;
  /** A write transaction the store's way (on SQLite, taking the write lock first). */
  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /** Endpoints from the `notificationEndpoints` option, upserted at `start()`. */
  configured: readonly NotificationEndpointRequest[];
  /** `job.failed` and `job.stale` go out once the VM's failures in a row reach this. */
  alertAfterConsecutiveFailures: number;
  onResult(result: DeliveryResult): void;
}

export type MachineEventType = 'machine.at_risk' | 'machine.protected';

const JOB_EVENT: Record<string, NotificationEventType> = { completed: 'job.completed', failed: 'job.failed', cancelled: 'job.cancelled' };
const PRUNE_INTERVAL_MS = 3_600_000;
const REMINDER_CHECK_MS = 60_000;
const REMINDERS_PER_PASS = 500;
const GATED: ReadonlySet<NotificationEventType> = new Set(['job.failed', 'job.stale']);

/**
 * Webhooks of one plugin instance: the endpoints (stored, cached in memory), the outbox written in
 * the callers' transactions, and this instance's deliverer.
 */
export class Notifications {
  readonly endpoints: ReturnType<typeof endpointQueries>;
  readonly deliveries: ReturnType<typeof deliveryQueries>;
  readonly cache: EndpointCache;
  readonly deliverer: Deliverer;
  private pruneTimer: NodeJS.Timeout | null = null;
  private reminderTimer: NodeJS.Timeout | null = null;
  private readonly reminders: ReturnType<typeof reminderQueries>;

  constructor(private readonly options: NotifyOptions) {
    const { knex, tables, logger } = options;
    this.endpoints = endpointQueries(tables);
    this.deliveries = deliveryQueries(tables);
    this.reminders = reminderQueries(tables, isMysql(knex));
    this.cache = new EndpointCache(() => this.endpoints.all(knex), options.endpointRefreshMs, (error) => logger.warn({ err: errorText(error) }, 'webhook endpoints could not be refreshed'));
    this.deliverer = new Deliverer({
      knex, deliveries: this.deliveries, logger, now: options.now,
      instanceId: `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`,
      pollIntervalMs: options.pollIntervalMs, timeoutMs: options.timeoutMs, concurrency: options.concurrency,
      onGone: async (endpointId, reason) => {
        await this.endpoints.disable(knex, endpointId, reason, options.now());
        await this.cache.refresh();
      },
      onResult: options.onResult,
    });
  }

  /** After `migrate()`: the option's endpoints stored, the cache loaded, the deliverer started (unless off). */
  async start(): Promise<void> {
    if (this.options.configured.length) await this.endpoints.upsertConfigured(this.options.knex, this.options.configured, this.options.now());
    await this.cache.refresh();
    this.cache.start();
    if (this.options.deliver) this.deliverer.start();
    if (this.options.deliver && this.options.retentionMs > 0 && !this.pruneTimer) {
      this.pruneTimer = setInterval(() => {
        this.prune().catch((error) => this.options.logger.warn({ err: errorText(error) }, 'old webhook deliveries could not be pruned'));
      }, PRUNE_INTERVAL_MS);
      this.pruneTimer.unref();
    }
    if (this.options.deliver && this.options.reminderMs > 0 && !this.reminderTimer) {
      this.reminderTimer = setInterval(() => {
        this.remindOnce().catch((error) => this.options.logger.warn({ err: errorText(error) }, 'at-risk reminders could not be sent'));
      }, REMINDER_CHECK_MS);
      this.reminderTimer.unref();
    }
  }

  /**
   * One reminder pass (every minute on instances that deliver): each VM still at risk
   * `atRiskReminderHours` after it went at risk or was last reminded gets `machine.at_risk` with
   * `data.reminder: true`, once across instances. Nothing is read when no endpoint wants `machine.at_risk`.
   */
  async remindOnce(): Promise<string[]> {
    const every = this.options.reminderMs;
    if (every <= 0 || !this.cache.anyWants(['machine.at_risk'])) return [];
    const nowMs = this.options.now();
    const reminded: string[] = [];
    for (const due of await this.reminders.due(this.options.knex, nowMs, every, REMINDERS_PER_PASS)) {
      await this.reminders.ensure(this.options.knex, due.vm_name);
      const sent = await this.options.transaction(async (trx) => {
        if (!(await this.reminders.claim(trx, due.vm_name, nowMs, every))) return false;
        const data = { machine: { vm_name: due.vm_name, protection: { status: 'at_risk' } }, reminder: true, at_risk_since: new Date(due.at_risk_since).toISOString() };
        await this.run(trx, [this.event('machine.at_risk', data, due.vm_name, nowMs)]);
        return true;
      });
      if (sent) reminded.push(due.vm_name);
    }
    if (reminded.length) this.deliverer.kick();
    return reminded;
  }

  /** Deletes what `notifyRetentionDays` no longer keeps (hourly on instances that deliver). */
  prune(): Promise<{ deliveries: number; events: number }> {
    if (this.options.retentionMs <= 0) return Promise.resolve({ deliveries: 0, events: 0 });
    return this.deliveries.prune(this.options.knex, this.options.now() - this.options.retentionMs);
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.reminderTimer) clearInterval(this.reminderTimer);
    this.pruneTimer = null;
    this.reminderTimer = null;
    await this.deliverer.stop();
    await this.cache.stop();
  }

  private event(type: NotificationEventType, data: Record<string, unknown>, vmName: string | null, nowMs: number): OutboxEvent {
    const count = this.options.alertAfterConsecutiveFailures;
    return {
      id: eventId(nowMs), type, payloadText: payloadText(type, nowMs, data), created_at: nowMs,
      endpoints: this.cache.matching(type, vmName),
      whenFailuresReach: GATED.has(type) && count > 1 && vmName !== null ? { vm_name: vmName, count } : undefined,
    };
  }

  private jobEvent(type: NotificationEventType, job: BackupJob, nowMs: number): OutboxEvent {
    return this.event(type, { job }, job.vm_name, nowMs);
  }

  /** The ingest's outbox rows for jobs that ended in one batch: nothing at all when no endpoint wants those types. */
  jobsEnded(jobs: readonly JobState[], nowMs: number): Statement[] {
    const types = jobs.map((s) => JOB_EVENT[s.job.status]).filter((t): t is NotificationEventType => t !== undefined);
    const flagged = jobs.filter((s) => s.job.anomalies?.length);
    if (flagged.length) types.push('job.anomaly');
    if (!this.cache.anyWants(types)) return [];
    return outboxStatements(this.options.tables, jobs.flatMap((s) => {
      const type = JOB_EVENT[s.job.status];
      if (!type) return [];
      const job = toBackupJob(s.job, [...s.disks.values()], nowMs);
      // A completed job the hub found unusual for its machine (insight/) is also `job.anomaly`, in the same commit.
      const anomaly = s.job.anomalies?.length ? [this.event('job.anomaly', { job, anomalies: s.job.anomalies }, job.vm_name, nowMs)] : [];
      return [this.jobEvent(type, job, nowMs), ...anomaly];
    }));
  }

  /** The ingest committed outbox rows: send them now rather than at the next poll. */
  committed(): void {
    this.deliverer.kick();
  }

  /** A job event written in the caller's transaction (the stale detector's `job.stale`). */
  async enqueueJobEvent(trx: Knex.Transaction, type: NotificationEventType, job: BackupJob, nowMs: number): Promise<boolean> {
    return this.run(trx, [this.jobEvent(type, job, nowMs)]);
  }

  /**
   * `machine.at_risk` / `machine.protected`, written in the caller's transaction (the at-risk sweep's
   * conditional UPDATE): `data` is the payload's `data`, `{machine: {vm_name, protection, …}}`.
   * Delivered at the deliverers' next poll. True when an endpoint wanted it. `wantsMachineEvent` says
   * beforehand whether any endpoint does (the sweep then needs no transaction around its UPDATE).
   */
  wantsMachineEvent(type: MachineEventType, vmName: string): boolean {
    return this.cache.matching(type, vmName).length > 0;
  }

  async enqueueMachineEvent(trx: Knex.Transaction, type: MachineEventType, data: { machine: { vm_name: string } & Record<string, unknown> }): Promise<boolean> {
    const nowMs = this.options.now();
    return this.run(trx, [this.event(type, data, data.machine.vm_name, nowMs)]);
  }

  /** `POST /notifications/endpoints/:id/test`: a `test` event to this endpoint only, through the outbox, whatever its filters. */
  async sendTest(endpointId: string): Promise<string> {
    const { knex } = this.options;
    const nowMs = this.options.now();
    const endpoint = await this.endpoints.find(knex, endpointId);
    if (!endpoint) throw new TelemetryError('endpoint_not_found', `no notification endpoint with id ${endpointId}`, { field: 'id' });
    const event: OutboxEvent = {
      id: eventId(nowMs), type: 'test', created_at: nowMs, endpoints: [endpoint],
      payloadText: payloadText('test', nowMs, { endpoint_id: endpoint.id, message: 'Test notification from Backup Telemetry' }),
    };
    await this.options.transaction(async (trx) => { await this.run(trx, [event]); });
    this.deliverer.kick();
    return event.id;
  }

  private async run(trx: Knex.Transaction, events: OutboxEvent[]): Promise<boolean> {
    const statements = outboxStatements(this.options.tables, events);
    for (const s of statements) await trx.raw(s.sql, s.bindings);
    return statements.length > 0;
  }
}
