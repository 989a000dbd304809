/** Robust statistics of a VM's recent jobs: pure functions, no I/O. */

/** What an insight needs of a past job (timestamps in epoch ms). */
export interface PastJob {
  id: string;
  job_type: string;
  backup_type: string;
  status: string;
  bytes_transferred: number;
  /** When the job started (`started_at`, else `created_at`). */
  started_at: number;
  completed_at: number | null;
}

/** The three values an anomaly compares, derived the same way for the job and its history. */
export interface JobFacts {
  bytes_transferred: number;
  duration_seconds: number;
  /** Bytes moved over the job's wall-clock duration; null for a job that took no time. */
  avg_speed_bps: number | null;
}

export function factsOf(job: PastJob): JobFacts | null {
  if (job.completed_at === null) return null;
  const duration_seconds = Math.max(0, (job.completed_at - job.started_at) / 1000);
  return {
    bytes_transferred: job.bytes_transferred,
    duration_seconds,
    avg_speed_bps: duration_seconds > 0 ? job.bytes_transferred / duration_seconds : null,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One metric over the history: its median; `sigma`, 1.4826 × MAD (the standard deviation of normal
 * data); and its 10th and 90th percentiles, the edges of what the VM usually does.
 */
export interface Baseline {
  median: number;
  sigma: number;
  p10: number;
  p90: number;
  jobs: number;
}

/** The `q` quantile (0–1) of sorted values, interpolated. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}

/** The baseline of `values`, or null with fewer than `minJobs` of them (no verdict from too little data). */
export function baselineOf(values: readonly number[], minJobs: number): Baseline | null {
  if (values.length < Math.max(1, minJobs)) return null;
  const m = median(values);
  const sorted = [...values].sort((a, b) => a - b);
  return { median: m, sigma: 1.4826 * median(values.map((v) => Math.abs(v - m))), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9), jobs: values.length };
}

/**
 * The history a job is compared with: the VM's completed jobs of the same job and backup type,
 * other than the job itself, newest first, at most `limit`.
 */
export function comparableHistory(job: PastJob, history: readonly PastJob[], limit: number): PastJob[] {
  return history
    .filter((h) => h.id !== job.id && h.status === 'completed' && h.job_type === job.job_type && h.backup_type === job.backup_type && h.completed_at !== null)
    .sort((a, b) => b.completed_at! - a.completed_at!)
    .slice(0, limit);
}
