import type { Request } from 'express';
import { bearerToken, type Access, type Principal } from '../access/access.js';
import type { RateLimiter } from '../access/rate-limit.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { ReadLimiter } from '../access/read-limit.js';
import type { Logger } from '../logger.js';
import type { LiveCharts } from '../queries/live-chart.js';
import type { TelemetryMetrics } from '../metrics.js';
import type { Notifications } from '../notify/notifications.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import type { Store } from '../store/index.js';
import type { BackupWindow, TrendThresholds } from '../insight/trends.js';

/** What every router of one plugin instance shares. */
export interface RouteContext {
  store: Store;
  pipeline: IngestPipeline;
  access: Access;
  /** Registrations (`POST /backups`) per source. */
  registrationLimiter: RateLimiter;
  metrics: TelemetryMetrics;
  logger: Logger;
  now: () => number;
  maxChartPoints: number;
  bodyLimitBytes: number;
  charts: LiveCharts;
  readLimiter: ReadLimiter;
  /** The policy of VMs without one of their own (`defaultRpoHours`, `defaultGraceMinutes`). */
  defaultPolicy: DefaultPolicy;
  /** Webhook endpoints, outbox and deliverer (notify/). */
  notify: Notifications;
  /** The early warnings' thresholds and each VM's backup window (`trendThresholds`, `backupWindow`). */
  insight: { trendThresholds: TrendThresholds; backupWindowOf: (vmName: string) => BackupWindow | null };
}

export function principalOf(req: Request): Principal {
  return { token: bearerToken(req.headers), address: req.ip };
}

/** A query parameter given once as text, else undefined (validation names bad ones later). */
export function queryText(req: Request, key: string): string | undefined {
  const value = req.query[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
