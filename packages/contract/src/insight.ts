/**
 * Job insight: anomalies of an ended job against its VM's own history, early warnings from trends,
 * and how busy each stage of a job was (its bottleneck).
 */

/** What an anomaly measures: data moved (bytes), wall-clock duration (seconds), average speed (bytes per second). */
export const ANOMALY_METRICS = ['bytes_transferred', 'duration_seconds', 'avg_speed_bps'] as const;
export type AnomalyMetric = (typeof ANOMALY_METRICS)[number];

export type InsightSeverity = 'warning' | 'critical';

/** One finding on an ended job, stored with it (`BackupJob.anomalies`). */
export interface JobAnomaly {
  metric: AnomalyMetric;
  /** `high`: far above the VM's usual value; `low`: far below it. */
  direction: 'high' | 'low';
  /** The job's value, in the metric's unit. */
  value: number;
  /** The median of the VM's recent completed jobs of the same job and backup type. */
  baseline: number;
  /** value / baseline (3 significant digits). */
  ratio: number;
  /** How many completed jobs the baseline was computed from. */
  jobs: number;
  severity: InsightSeverity;
  /** A sentence for people, e.g. "2.7× the usual size for an incremental". */
  message: string;
}

/** Payload of the plugin's `job:anomaly` event (the `job.anomaly` webhook). */
export interface JobAnomalyEvent {
  job_id: string;
  vm_name: string;
  anomalies: JobAnomaly[];
}

export const EARLY_WARNING_KINDS = ['failures_in_row', 'window_overrun', 'speed_falling'] as const;
export type EarlyWarningKind = (typeof EARLY_WARNING_KINDS)[number];

/** A warning drawn from a VM's recent jobs, with the numbers it was drawn from. */
export interface EarlyWarning {
  kind: EarlyWarningKind;
  severity: InsightSeverity;
  /** The backup type the trend is of (null: all jobs, e.g. failures in a row). */
  backup_type: string | null;
  message: string;
  numbers: Record<string, number>;
}

/** A recent job of the VM that was flagged. */
export interface FlaggedJob {
  backup_id: string;
  type: string;
  completed_at: string | null;
  anomalies: JobAnomaly[];
}

/** `GET /machines/:vm_name/insight`. */
export interface MachineInsight {
  vm_name: string;
  /** The VM's recent ended jobs that carry anomalies, newest first. */
  anomalies: FlaggedJob[];
  warnings: EarlyWarning[];
}

/** The stages of a job's data path, as in Veeam's bottleneck statistics. */
export const BOTTLENECK_STAGES = ['source', 'proxy', 'network', 'target'] as const;
export type BottleneckStage = (typeof BOTTLENECK_STAGES)[number];

/** How busy each stage was over the last interval, 0–100 percent (update field `bottleneck`). */
export type StageBusy = Record<BottleneckStage, number>;

/** A job's bottleneck: the stage with the highest average busy percent over its samples. */
export interface JobBottleneck {
  stage: BottleneckStage;
  /** Average busy percent of each stage over the job's samples that carried one (1 decimal). */
  busy_percent: StageBusy;
  samples: number;
}
