import type { Router } from 'express';
import type { Knex } from 'knex';
import type { Namespace, Server } from 'socket.io';
import { Access } from './access/access.js';
import { RateLimiter } from './access/rate-limit.js';
import { ReadLimiter } from './access/read-limit.js';
import { TelemetryEvents } from './events.js';
import { importJobs, type ImportOptions, type ImportResult } from './fleet/import.js';
import { TelemetryMetrics } from './metrics.js';
import { createRouter } from './http/router.js';
import { IngestPipeline } from './ingest/pipeline.js';
import type { LiveContext } from './live/context.js';
import { attachLive } from './live/namespace.js';
import { LiveCharts } from './queries/live-chart.js';
import { Notifications } from './notify/notifications.js';
import { cachedFleetSeries, readFleetSeries } from './fleet/prometheus.js';
import { resolveOptions, type TelemetryPluginOptions } from './options.js';
import { clearPolicy, readPolicy, setPolicy, type MachinePolicy } from './protection/policy.js';
import type { ProtectionPolicyRequest } from '@backup-telemetry/contract';
import { StaleDetector } from './stale/detector.js';
import { DatabaseOutage } from './stale/outage.js';
import { dialectOf } from './store/dialect.js';
import { createStore, knexFromUrl, type Store } from './store/index.js';

export interface TelemetryPlugin {
  /** Express router to mount, e.g. `app.use('/api/v1', plugin.router)`. */
  router: Router;
  /** Runs the plugin's own migrations against the database. */
  migrate(): Promise<void>;
  /** Serves namespace `/telemetry` on a Socket.IO server: socket ingest, viewer subscriptions, live pushes. */
  attach(io: Server): Namespace;
  /** The single ingest path (HTTP and socket both call it). */
  ingest: IngestPipeline;
  /** Post-commit events: `job:update`, `job:ended`, `job:stale`, `machine:at_risk`, `machine:protected`. */
  events: TelemetryEvents;
  /** Prometheus metrics in the plugin's own registry: `await plugin.metrics.registry.metrics()`. */
  metrics: TelemetryMetrics;
  /** True when anyone may ingest (no `ingestTokens`, no `verifyIngest`): hosts should warn. */
  ingestOpen: boolean;
  /**
   * Sets a VM's protection policy (what `PUT /machines/:vm_name/policy` does, without the admin check):
   * validated like the request body (throws a 400 `TelemetryError`); a VM never seen becomes known.
   */
  setPolicy(vmName: string, policy: ProtectionPolicyRequest): Promise<MachinePolicy>;
  /** A VM's policy in force and its protection now (`GET /machines/:vm_name/policy`); 404 error for an unknown VM. */
  getPolicy(vmName: string): Promise<MachinePolicy>;
  /** Removes a VM's own policy: the plugin's default applies again (`DELETE /machines/:vm_name/policy`). */
  clearPolicy(vmName: string): Promise<MachinePolicy>;
  /** The stale detector and at-risk sweep (runs on its cron unless `staleDetection: false`; `checkOnce()` runs one pass). */
  stale: StaleDetector;
  /**
   * Imports past ended jobs (history from another tool) straight into the database, with their VMs
   * and summaries; ids that exist are skipped. Checks every job first: a bad one throws a 400
   * TelemetryError naming it (`jobs[3].completed_at`) and nothing is written. Sends no events.
   */
  importJobs(jobs: readonly unknown[], options?: ImportOptions): Promise<ImportResult>;

  /**
   * Webhooks: endpoints, the outbox and this instance's deliverer. `notify.enqueueMachineEvent(trx, type, data)`
   * writes `machine.at_risk` / `machine.protected` in the caller's transaction; `notify.deliverer.runOnce()` sends what is due.
   */
  notify: Notifications;
  store: Store;
  knex: Knex;
  /** Stops taking telemetry, commits what is queued, stops the cron task and socket handlers; closes a database it opened itself. */
  close(): Promise<void>;
}

/** Creates one independent plugin instance: no module-level state, so several can share a process. */
export function createTelemetryPlugin(options: TelemetryPluginOptions): TelemetryPlugin {
  const resolved = resolveOptions(options);
  if (!options.knex && !options.databaseUrl) throw new Error('createTelemetryPlugin needs a knex instance (knex) or a databaseUrl');
  const ownsKnex = !options.knex;
  const knex = options.knex ?? knexFromUrl(options.databaseUrl!, { acquireTimeoutMs: resolved.acquireTimeoutMs, logger: resolved.logger });
  const store = createStore(knex, resolved.tablePrefix);
  const events = new TelemetryEvents();
  const { logger, now, maxChartPoints, bodyLimitBytes } = resolved;
  const access = new Access(options);
  const namespaces: Namespace[] = [];
  const defaultPolicy = { rpo_hours: resolved.defaultRpoHours, grace_minutes: resolved.defaultGraceMinutes };
  const metrics = new TelemetryMetrics({
    runningJobs: () => store.jobs.countByStatus(knex, 'running'),
    viewers: () => namespaces.reduce((n, nsp) => n + nsp.sockets.size, 0),
  }, cachedFleetSeries(() => readFleetSeries(store, defaultPolicy, now()), resolved.metricsCacheMs, now));
  const outage = new DatabaseOutage(store, logger, metrics, now);
  const notify = new Notifications({
    knex, tables: store.tables, logger, now,
    deliver: resolved.notifications,
    pollIntervalMs: resolved.notifyPollIntervalMs,
    timeoutMs: resolved.notifyTimeoutMs,
    concurrency: resolved.notifyConcurrency,
    endpointRefreshMs: resolved.notifyEndpointRefreshMs,
    retentionMs: resolved.notifyRetentionMs,
    reminderMs: resolved.atRiskReminderMs,
    transaction: (work) => store.transaction(work),
    configured: resolved.notificationEndpoints,
    alertAfterConsecutiveFailures: resolved.alertAfterConsecutiveFailures,
    onResult: (result) => metrics.notifyResult(result),
  });
  metrics.watchNotifyQueue(async () => {
    const queue = await notify.deliveries.queue(knex);
    return { depth: queue.depth, oldest_seconds: queue.oldest_created_at === null ? 0 : Math.max(0, (now() - queue.oldest_created_at) / 1000) };
  }, resolved.metricsCacheMs);
  const pipeline = new IngestPipeline(store, events, logger, {
    snapshotIntervalMs: resolved.snapshotIntervalMs,
    maxChartPoints,
    maxBatchSize: resolved.maxBatchSize,
    transactionTimeoutMs: resolved.transactionTimeoutMs,
    lanes: resolved.ingestLanes ?? (dialectOf(knex) === 'sqlite' ? 1 : 2),
    now,
    access,
    metrics,
    jobLimiter: new RateLimiter(resolved.rateLimitPerMinute, now),
    sourceLimiter: new RateLimiter(resolved.rateLimitPerSourcePerMinute, now),
    outage,
    notify,
    anomalyThresholds: resolved.anomalyThresholds,
  });
  const charts = new LiveCharts(store, pipeline.rollups, maxChartPoints, now);
  const readLimiter = new ReadLimiter(resolved.readRateLimitPerSourcePerMinute, now);
  const registrationLimiter = new RateLimiter(resolved.rateLimitRegistrationsPerMinute, now, { unit: 'registrations' });
  const router = createRouter({ store, pipeline, access, registrationLimiter, metrics, logger, now, maxChartPoints, bodyLimitBytes, charts, readLimiter, defaultPolicy, notify,
    insight: { trendThresholds: resolved.trendThresholds, backupWindowOf: resolved.backupWindowOf } });
  const stale = new StaleDetector(store, events, logger, {
    cron: resolved.staleCheckCron,
    warnAfterMs: resolved.staleWarnAfterMs,
    failAfterMs: resolved.staleFailAfterMs,
    maxChartPoints,
    now,
    metrics,
    rollups: pipeline.rollups,
    outage,
    defaultPolicy,
    notify,
  });
  if (resolved.staleDetection) stale.start();

  const live: LiveContext = {
    store, pipeline, access, logger, now, maxChartPoints, bodyLimitBytes, charts, readLimiter, allowedOrigins: resolved.allowedOrigins,
    defaultPolicy, fleetPushIntervalMs: resolved.fleetPushIntervalMs,
  };
  const detachers: (() => Promise<void>)[] = [];
  let closed = false;
  return {
    router,
    ingest: pipeline,
    events,
    stale,
    notify,
    store,
    knex,
    metrics,
    ingestOpen: access.ingestOpen,
    async migrate() {
      await store.migrate();
      if (!closed) await notify.start();
    },
    setPolicy: (vmName, policy) => setPolicy(store, vmName, policy, defaultPolicy, now()),
    getPolicy: (vmName) => readPolicy(store, vmName, defaultPolicy, now()),
    clearPolicy: (vmName) => clearPolicy(store, vmName, defaultPolicy, now()),
    importJobs: (jobs, importOptions) => importJobs(store, jobs, now(), importOptions),
    attach(io) {
      const { nsp, detach } = attachLive(io, live, events);
      namespaces.push(nsp);
      detachers.push(detach);
      return nsp;
    },
    async close() {
      if (closed) return;
      closed = true;
      await stale.stop();
      await pipeline.close();
      await notify.stop();
      for (const detach of detachers.splice(0)) await detach();
      events.removeAllListeners();
      if (ownsKnex) await knex.destroy();
    },
  };
}
