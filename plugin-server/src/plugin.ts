import type { Router } from 'express';
import type { Knex } from 'knex';
import { TelemetryEvents } from './events.js';
import { createRouter } from './http/router.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { resolveOptions, type TelemetryPluginOptions } from './options.js';
import { createStore, knexFromUrl, type Store } from './store/index.js';

export interface TelemetryPlugin {
  /** Express router to mount, e.g. `app.use('/api/v1', plugin.router)`. */
  router: Router;
  /** Runs the plugin's own migrations against the database. */
  migrate(): Promise<void>;
  /** The single ingest path (HTTP and socket both call it). */
  ingest: IngestPipeline;
  /** Post-commit events: `job:update`, `job:ended`, `job:stale`. */
  events: TelemetryEvents;
  store: Store;
  knex: Knex;
  /** Stops taking telemetry, commits what is queued, stops timers and listeners; closes a database it opened itself. */
  close(): Promise<void>;
}

/** Creates one independent plugin instance: no module-level state, so several can share a process. */
export function createTelemetryPlugin(options: TelemetryPluginOptions): TelemetryPlugin {
  const resolved = resolveOptions(options);
  if (!options.knex && !options.databaseUrl) throw new Error('createTelemetryPlugin needs a knex instance (knex) or a databaseUrl');
  const ownsKnex = !options.knex;
  const knex = options.knex ?? knexFromUrl(options.databaseUrl!, { acquireTimeoutMs: resolved.acquireTimeoutMs });
  const store = createStore(knex, resolved.tablePrefix);
  const events = new TelemetryEvents();
  const pipeline = new IngestPipeline(store, events, resolved.logger, {
    snapshotIntervalMs: resolved.snapshotIntervalMs,
    maxChartPoints: resolved.maxChartPoints,
    maxBatchSize: resolved.maxBatchSize,
    now: resolved.now,
  });
  const router = createRouter({
    store,
    pipeline,
    logger: resolved.logger,
    now: resolved.now,
    maxChartPoints: resolved.maxChartPoints,
    bodyLimitBytes: resolved.bodyLimitBytes,
  });

  let closed = false;
  return {
    router,
    ingest: pipeline,
    events,
    store,
    knex,
    migrate: () => store.migrate(),
    async close() {
      if (closed) return;
      closed = true;
      await pipeline.close();
      events.removeAllListeners();
      if (ownsKnex) await knex.destroy();
    },
  };
}
