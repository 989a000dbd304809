// The telemetry traffic every ingest bench sends: one realistic ~600 B update per request/event,
// rotating over many registered jobs so batches mix jobs as a real fleet's do.

const GIB = 1024 ** 3;

/** Body of `POST /backups` for bench job `i`. */
export function registration(id, i) {
  return {
    id,
    vm_name: `bench-vm-${String(i).padStart(4, '0')}.corp.example`,
    repository_id: `repo-${i % 8}`,
    backup_type: i % 5 === 0 ? 'full' : 'incremental',
    repository_path: `/srv/backup/repo-${i % 8}/bench-vm-${i}`,
    disks: [0, 1, 2].map((disk_index) => ({ disk_index, total_bytes: (40 + disk_index * 20) * GIB })),
  };
}

/** One running-job update; `seq` advances bytes and progress so every update is new state. */
export function update(seq, timestampMs = Date.now()) {
  const totals = [40 * GIB, 60 * GIB, 80 * GIB];
  const total = totals.reduce((a, b) => a + b, 0);
  const fraction = ((seq % 10_000) + 1) / 10_001;
  const disks = totals.map((t, disk_index) => {
    const bytes = Math.floor(t * fraction);
    return { disk_index, bytes_transferred: bytes, total_bytes: t, status: 'running', progress_percent: Math.round(fraction * 10_000) / 100 };
  });
  return {
    status: 'running',
    current_phase: 'transferring',
    bytes_transferred: disks.reduce((a, d) => a + d.bytes_transferred, 0),
    total_bytes: total,
    transfer_speed_bps: 180_000_000 + (seq % 97) * 1_000_003,
    eta_seconds: Math.round((1 - fraction) * 1800),
    progress_percent: Math.round(fraction * 10_000) / 100,
    disks,
    timestamp: new Date(timestampMs).toISOString(),
  };
}

export const jobIds = (runTag, count) => Array.from({ length: count }, (_, i) => `bench-${runTag}-${String(i).padStart(4, '0')}`);

/** Registers the comma-separated `jobList` on the hub listening on `port` (each bench server's start). */
export async function registerJobs(port, jobList) {
  const ids = jobList.split(',').filter(Boolean);
  for (let i = 0; i < ids.length; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/backups`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registration(ids[i], i)),
    });
    if (res.status !== 201) throw new Error(`registering ${ids[i]} answered ${res.status}: ${await res.text()}`);
  }
}
