// Factories for stored jobs and their snapshots, written straight through the plugin's store (the
// rollup and storage benches measure the end of a job, not the ingest that led to it).
const GIB = 1024 ** 3;

export const finishJobModule = () => import(new URL('../../plugin-server/dist/ingest/end-job.js', import.meta.url).href);

/** A running job row as the pipeline holds it (epoch ms), with three disks. */
export function runningJob(id, startMs, nowMs) {
  const totals = [40 * GIB, 60 * GIB, 80 * GIB];
  const job = {
    id, job_type: 'backup', vm_name: `bench-vm-${id}.corp.example`, vm_context_id: 'ctx-42', repository_id: 'repo-3',
    backup_type: 'incremental', status: 'running', repository_path: `/srv/backup/repo-3/bench-vm-${id}`,
    bytes_transferred: Math.floor(totals.reduce((a, b) => a + b) * 0.999), total_bytes: totals.reduce((a, b) => a + b),
    current_phase: 'finalizing', transfer_speed_bps: 150_000_000, eta_seconds: 2, progress_percent: 99.9,
    last_telemetry_at: nowMs, last_update_at: nowMs, last_snapshot_at: nowMs - 5000, snapshot_count: null, row_version: 0, clock_offset_ms: null, stale_warned_at: null,
    error_message: null, details: { files_new: 1234, files_changed: 567, data_added_bytes: 987654321, snapshot_id: 'a1b2c3d4e5f6' },
    performance_metrics: null, created_at: startMs - 1000, started_at: startMs, completed_at: null,
  };
  const disks = totals.map((t, disk_index) => ({ backup_job_id: id, disk_index, bytes_transferred: Math.floor(t * 0.999), total_bytes: t, status: 'running', progress_percent: 99.9 }));
  return { job, disks };
}

/** `count` snapshots every `intervalMs` from `startMs`: a short prepare, a long transfer with varying speed, a finalize. */
export function snapshots(job, count, intervalMs, startMs) {
  const rows = new Array(count);
  for (let i = 0; i < count; i++) {
    const fraction = (i + 1) / count;
    const phase = i < Math.max(1, count * 0.01) ? 'preparing' : i > count * 0.99 ? 'finalizing' : 'transferring';
    rows[i] = {
      job_id: job.id, job_type: job.job_type, timestamp: startMs + i * intervalMs,
      bytes_transferred: Math.floor(job.total_bytes * fraction), total_bytes: job.total_bytes,
      transfer_speed_bps: phase === 'transferring' ? 120_000_000 + Math.round(60_000_000 * Math.sin(i / 50)) + (i % 7) * 1_000_000 : 5_000_000,
      progress_percent: Math.round(fraction * 1000) / 10, current_phase: phase,
    };
  }
  return rows;
}

/** Inserts a job, its disks and its snapshots (in chunks) through the plugin's store. */
export async function seedJob(store, job, disks, rows) {
  await store.knex.transaction(async (trx) => {
    await store.jobs.insertJob(trx, job, disks);
    await store.snapshots.insert(trx, rows);
  });
}
