import type { Router } from 'express';
import type { Knex } from 'knex';
import type { Namespace, Server } from 'socket.io';
import { Access } from './access/access.js';
import { RateLimiter } from './access/rate-limit.js';
import { ReadLimiter } from './access/read-limit.js';
import { TelemetryEvents } from './events.js';
import { TelemetryMetrics } from './metrics.js';
import { createRouter } from './http/router.js';
import { IngestPipeline } from './ingest/pipeline.js';
import type { LiveContext } from './live/context.js';
import { attachLive } from './live/namespace.js';
import { LiveCharts } from './queries/live-chart.js';
import { cachedFleetSeries, readFleetSeries } from './fleet/prometheus.js';
import { resolveOptions, type TelemetryPluginOptions } from './options.js';
import { StaleDetector } from './stale/detector.js';
import { DatabaseOutage } from './stale/outage.js';
import { isMysql } from './store/dialect.js';
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
  /** Post-commit events: `job:update`, `job:ended`, `job:stale`. */
  events: TelemetryEvents;
  /** Prometheus metrics in the plugin's own registry: `await plugin.metrics.registry.metrics()`. */
  metrics: TelemetryMetrics;
  /** True when anyone may ingest (no `ingestTokens`, no `verifyIngest`): hosts should warn. */
  ingestOpen: boolean;
  /** The stale detector (runs on its cron unless `staleDetection: false`; `checkOnce()` runs one pass). */
  stale: StaleDetector;
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
  const pipeline = new IngestPipeline(store, events, logger, {
    snapshotIntervalMs: resolved.snapshotIntervalMs,
    maxChartPoints,
    maxBatchSize: resolved.maxBatchSize,
    transactionTimeoutMs: resolved.transactionTimeoutMs,
    lanes: resolved.ingestLanes ?? (isMysql(knex) ? 2 : 1),
    now,
    access,
    metrics,
    jobLimiter: new RateLimiter(resolved.rateLimitPerMinute, now),
    sourceLimiter: new RateLimiter(resolved.rateLimitPerSourcePerMinute, now),
    outage,
    anomalyThresholds: resolved.anomalyThresholds,
  });
  const charts = new LiveCharts(store, pipeline.rollups, maxChartPoints, now);
  const readLimiter = new ReadLimiter(resolved.readRateLimitPerSourcePerMinute, now);
  const registrationLimiter = new RateLimiter(resolved.rateLimitRegistrationsPerMinute, now, { unit: 'registrations' });
  const router = createRouter({ store, pipeline, access, registrationLimiter, metrics, logger, now, maxChartPoints, bodyLimitBytes, charts, readLimiter, defaultPolicy,
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
  });
  if (resolved.staleDetection) stale.start();

  const live: LiveContext = { store, pipeline, access, logger, now, maxChartPoints, bodyLimitBytes, charts, readLimiter, allowedOrigins: resolved.allowedOrigins };
  const detachers: (() => void)[] = [];
  let closed = false;
  return {
    router,
    ingest: pipeline,
    events,
    stale,
    store,
    knex,
    metrics,
    ingestOpen: access.ingestOpen,
    migrate: () => store.migrate(),
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
      for (const detach of detachers.splice(0)) detach();
      events.removeAllListeners();
      if (ownsKnex) await knex.destroy();
    },
  };
}
