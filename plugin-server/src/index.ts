export { createTelemetryPlugin, type TelemetryPlugin } from './plugin.js';
export type { TelemetryPluginOptions } from './options.js';
export { defaultLogger, type Logger } from './logger.js';
export { knexFromUrl } from './store/connect.js';
export { TelemetryEvents, type TelemetryEventMap } from './events.js';
export { rollup, chartPoints, type Sample, type RollupInput } from './rollup/rollup.js';
export { downsampleIndices } from './rollup/downsample.js';
export { applyUpdate } from './ingest/apply.js';
