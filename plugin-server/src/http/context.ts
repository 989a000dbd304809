import type { IngestPipeline } from '../ingest/pipeline.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/index.js';

/** What every router of one plugin instance shares. */
export interface RouteContext {
  store: Store;
  pipeline: IngestPipeline;
  logger: Logger;
  now: () => number;
  maxChartPoints: number;
  bodyLimitBytes: number;
}
