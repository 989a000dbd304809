import type { CurrentState, HistoryResponse } from '@backup-telemetry/contract';
import { chartPoints } from '../rollup/rollup.js';
import type { Store } from '../store/index.js';
import { startOf, type JobRow } from '../store/rows.js';

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
 * A job's chart: the rolled-up metrics once it ended, its live snapshots while it runs (downsampled
 * to `maxChartPoints`), `none` when there is nothing to draw (pending, or a legacy ended job).
 */
export async function jobHistory(store: Store, job: JobRow, maxChartPoints: number): Promise<HistoryResponse> {
  const base = { job_id: job.id, job_type: job.job_type, status: job.status };
  if (job.performance_metrics) return { ...base, data_source: 'rolled_up', performance_metrics: job.performance_metrics };
  if (job.status === 'running') {
    const snapshots = await store.snapshots.ofJob(store.knex, job.id);
    return { ...base, data_source: 'live_snapshots', current_state: currentState(job), chart_data: chartPoints(snapshots, startOf(job), maxChartPoints) };
  }
  return { ...base, data_source: 'none', message: NO_TELEMETRY };
}
