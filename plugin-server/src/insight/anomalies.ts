import { bpsToMibps, formatBytes, formatDuration, type AnomalyMetric, type InsightSeverity, type JobAnomaly } from '@backup-telemetry/contract';
import { baselineOf, comparableHistory, factsOf, type Baseline, type PastJob } from './baseline.js';

/** When a job's value is far enough from its VM's baseline to be reported (README, "Job insight"). */
export interface AnomalyThresholds {
  /** Fewest comparable completed jobs before any verdict. */
  minJobs: number;
  /** Most recent comparable jobs the baseline is computed from. */
  historyJobs: number;
  /** Data moved or duration at least this many times the median: warning; speed at most its inverse: warning. */
  highRatio: number;
  /** The same, critical. */
  criticalHighRatio: number;
  /** Data moved or duration at most this fraction of the median: warning (a 3-second "success"). */
  lowRatio: number;
  /** The same, critical. */
  criticalLowRatio: number;
  /**
   * The value must also lie this many spreads (1.4826 × MAD) from the median, and beyond the
   * history's 90th (10th) percentile: a VM that always varies, or often moves that much, raises nothing.
   */
  spreadFactor: number;
}

export const DEFAULT_ANOMALY_THRESHOLDS: AnomalyThresholds = {
  minJobs: 5,
  historyJobs: 20,
  highRatio: 3,
  criticalHighRatio: 10,
  lowRatio: 0.1,
  criticalLowRatio: 0.01,
  spreadFactor: 3,
};

/** Three significant digits: 10.0, 2.7, 0.00125. */
const round3 = (n: number) => Number(n.toPrecision(3));

const show: Record<AnomalyMetric, (v: number) => string> = {
  bytes_transferred: formatBytes,
  duration_seconds: formatDuration,
  avg_speed_bps: (v) => `${bpsToMibps(v)} MiB/s`,
};
const noun: Record<AnomalyMetric, string> = { bytes_transferred: 'size', duration_seconds: 'duration', avg_speed_bps: 'speed' };

function sentence(metric: AnomalyMetric, value: number, base: number, ratio: number, backupType: string): string {
  const usual = `${show[metric](value)}; usually ${show[metric](base)}`;
  const of = `for ${backupType === 'incremental' ? 'an' : 'a'} ${backupType}`;
  if (ratio >= 1) return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× the usual ${noun[metric]} ${of} (${usual})`;
  const percent = ratio * 100;
  return `${percent >= 1 ? Math.round(percent) : percent.toFixed(1)}% of the usual ${noun[metric]} ${of} (${usual})`;
}

interface Rule {
  metric: AnomalyMetric;
  direction: 'high' | 'low';
  /** The severity for this ratio, or null. */
  severity(ratio: number, t: AnomalyThresholds): InsightSeverity | null;
}

const high = (ratio: number, t: AnomalyThresholds): InsightSeverity | null =>
  ratio >= t.criticalHighRatio ? 'critical' : ratio >= t.highRatio ? 'warning' : null;
const low = (ratio: number, t: AnomalyThresholds): InsightSeverity | null =>
  ratio <= t.criticalLowRatio ? 'critical' : ratio <= t.lowRatio ? 'warning' : null;
const slow = (ratio: number, t: AnomalyThresholds): InsightSeverity | null =>
  ratio <= 1 / t.criticalHighRatio ? 'critical' : ratio <= 1 / t.highRatio ? 'warning' : null;

/** Data moved far above usual is Veeam's "possible ransomware activity"; far below, or far sooner, a backup that did not back up. */
const RULES: Rule[] = [
  { metric: 'bytes_transferred', direction: 'high', severity: high },
  { metric: 'bytes_transferred', direction: 'low', severity: low },
  { metric: 'duration_seconds', direction: 'high', severity: high },
  { metric: 'duration_seconds', direction: 'low', severity: low },
  { metric: 'avg_speed_bps', direction: 'low', severity: slow },
];

/**
 * The anomalies of an ended job against the VM's own history (any jobs; the comparable ones are
 * picked here). Only completed jobs are judged (a failure is already reported as one), and a metric
 * only once there are `minJobs` comparable values with a non-zero median.
 */
export function findAnomalies(job: PastJob, history: readonly PastJob[], t: AnomalyThresholds = DEFAULT_ANOMALY_THRESHOLDS): JobAnomaly[] {
  const facts = factsOf(job);
  if (!facts || job.status !== 'completed') return [];
  const past = comparableHistory(job, history, t.historyJobs).map(factsOf).filter((f) => f !== null);
  const baselines = new Map<AnomalyMetric, Baseline | null>();
  const baseline = (metric: AnomalyMetric) => {
    if (!baselines.has(metric)) {
      const values = past.map((f) => f[metric]).filter((v): v is number => v !== null);
      baselines.set(metric, baselineOf(values, t.minJobs));
    }
    return baselines.get(metric)!;
  };
  const out: JobAnomaly[] = [];
  for (const rule of RULES) {
    const value = facts[rule.metric];
    const base = baseline(rule.metric);
    if (value === null || !base || base.median <= 0) continue;
    const ratio = value / base.median;
    const severity = rule.severity(ratio, t);
    const distance = rule.direction === 'high' ? value - base.median : base.median - value;
    const usual = rule.direction === 'high' ? value <= base.p90 : value >= base.p10;
    if (!severity || usual || distance <= t.spreadFactor * base.sigma) continue;
    out.push({
      metric: rule.metric,
      direction: rule.direction,
      value: Math.round(value),
      baseline: Math.round(base.median),
      ratio: round3(ratio),
      jobs: base.jobs,
      severity,
      message: sentence(rule.metric, value, base.median, ratio, job.backup_type),
    });
  }
  return out;
}
