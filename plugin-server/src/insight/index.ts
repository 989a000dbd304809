export { baselineOf, comparableHistory, factsOf, median, type Baseline, type JobFacts, type PastJob } from './baseline.js';
export { DEFAULT_ANOMALY_THRESHOLDS, findAnomalies, type AnomalyThresholds } from './anomalies.js';
export { DEFAULT_TREND_THRESHOLDS, earlyWarnings, failuresInRow, fitLine, speedFalling, windowOverrun, type BackupWindow, type TrendThresholds } from './trends.js';
export { bottleneckOf, StageBusyAverage, stageBusyFromDb, stageBusyToDb } from './bottleneck.js';
