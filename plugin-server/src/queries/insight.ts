import type { JobType, MachineInsight } from '@backup-telemetry/contract';
import { earlyWarnings, type BackupWindow, type TrendThresholds } from '../insight/trends.js';
import type { Store } from '../store/index.js';

/** Ended jobs an insight reads: enough for each backup type's trend and the recent flags. */
const RECENT_ENDED = 50;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * `GET /machines/:vm_name/insight`: the VM's recent ended jobs of one job type that were flagged
 * when they ended (newest first), and the early warnings their trends raise. A VM without jobs
 * has neither.
 */
export async function machineInsight(
  store: Store, vmName: string, jobType: JobType, window: BackupWindow | null, thresholds: TrendThresholds,
): Promise<MachineInsight> {
  const recent = await store.insight.recentEnded(store.knex, vmName, jobType, Math.max(RECENT_ENDED, thresholds.trendJobs * 2));
  return {
    vm_name: vmName,
    anomalies: recent.filter((j) => j.anomalies?.length).map((j) => ({
      backup_id: j.id, type: j.backup_type, completed_at: iso(j.completed_at), anomalies: j.anomalies!,
    })),
    warnings: earlyWarnings(recent, window, thresholds),
  };
}
