import type { CurrentState, HistoryResponse } from '@backup-telemetry/contract';
import type { JobRow } from '../store/rows.js';
import type { LiveCharts } from './live-chart.js';

/** The documents' message of a job with nothing to draw. */
export const NO_TELEMETRY = 'No telemetry data available for this job';

export function currentState(job: JobRow): CurrentState {
  return {
    status: job.status,
    current_phase: job.current_phase,
    bytes_transferred: job.bytes_transferred,
    total_bytes: job.total_bytes,
    transfer_speed_bps: job.transfer_speed_bps,
    eta_seconds: job.eta_seconds,
    progress_percent: job.progress_percent,
    last_telemetry_at: job.last_telemetry_at === null ? null : new Date(job.last_telemetry_at).toISOString(),
  };
}

/**
 * A job's chart: the rolled-up metrics once it ended, its live chart while it runs (downsampled to
 * `maxChartPoints`, see LiveCharts), `none` when there is nothing to draw (pending, or a legacy ended job).
 */
export async function jobHistory(charts: LiveCharts, job: JobRow): Promise<HistoryResponse> {
  const base = { job_id: job.id, job_type: job.job_type, status: job.status };
  if (job.performance_metrics) return { ...base, data_source: 'rolled_up', performance_metrics: job.performance_metrics };
  if (job.status === 'running') {
    return { ...base, data_source: 'live_snapshots', current_state: currentState(job), chart_data: await charts.chartOf(job) };
  }
  return { ...base, data_source: 'none', message: NO_TELEMETRY };
}
