import type { Access } from '../access/access.js';
import type { AllowedOrigins } from '../access/origin.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { ReadLimiter } from '../access/read-limit.js';
import type { Logger } from '../logger.js';
import type { LiveCharts } from '../queries/live-chart.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import type { Store } from '../store/index.js';

/** What the socket handlers of one plugin instance share. */
export interface LiveContext {
  store: Store;
  pipeline: IngestPipeline;
  access: Access;
  logger: Logger;
  now: () => number;
  maxChartPoints: number;
  bodyLimitBytes: number;
  charts: LiveCharts;
  readLimiter: ReadLimiter;
  allowedOrigins: AllowedOrigins;
  /** The policy of VMs without one of their own, for `machine:update` pushes. */
  defaultPolicy: DefaultPolicy;
  /** `fleetPushIntervalMs`. */
  fleetPushIntervalMs: number;
}
