// Fixture data for the demo page: one VM with two weeks of backups, one of them running.
// Deterministic (seeded), so screenshots are stable.
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
let seed = 7;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);

/** A speed curve through snapshot → transfer → finalize, one point every `step` seconds. */
export function speedPoints(durationSeconds, peakMibps, step = 5) {
  const points = [];
  const n = Math.floor(durationSeconds / step);
  let phase;
  for (let i = 0; i <= n; i++) {
    const f = i / n;
    const name = f < 0.08 ? 'snapshot' : f < 0.9 ? 'transfer' : 'finalize';
    const base = name === 'snapshot' ? 0.08 : name === 'finalize' ? 0.15 : 0.75 + 0.2 * Math.sin(f * 9);
    const point = { t: i * step, s: Math.round(peakMibps * base * (0.85 + 0.3 * rand()) * 100) / 100, p: Math.round(f * 1000) / 10 };
    if (name !== phase) point.phase = name;
    phase = name;
    points.push(point);
  }
  return points;
}

export function metricsFor(points, bytes) {
  const speeds = points.map((p) => p.s);
  const peak = Math.max(...speeds);
  const avg = speeds.reduce((a, b) => a + b, 0) / speeds.length;
  const starts = points.filter((p) => p.phase);
  const end = points[points.length - 1].t;
  return {
    duration_seconds: end, transfer_seconds: end, snapshots_recorded: points.length,
    peak_speed_bps: peak * MIB, avg_speed_bps: avg * MIB, min_speed_bps: Math.min(...speeds) * MIB,
    peak_speed_mbps: Math.round(peak * 100) / 100, avg_speed_mbps: Math.round(avg * 100) / 100,
    bytes_transferred: bytes, chart_data: points,
    phases: starts.map((p, i) => ({ phase: p.phase, start_t: p.t, end_t: starts[i + 1]?.t ?? end })),
  };
}

const day = (d, h, m) => new Date(2024, 9, d, h, m).toISOString();

function job(i, overrides) {
  return {
    backup_id: `db-prod-01-${i}`, job_type: 'backup', type: 'incremental', vm_name: 'db-prod-01', vm_context_id: null,
    repository_id: 'repo-eu-1', repository_path: '/srv/backups/eu-1', status: 'completed', bytes_transferred: 0,
    total_bytes: 0, current_phase: null, progress_percent: 100, transfer_speed_bps: 0, eta_seconds: null,
    duration_seconds: 0, error_message: null, created_at: overrides.started_at, completed_at: null,
    last_telemetry_at: null, details: null, disks: [], ...overrides,
  };
}

function finished(i, d, h, m, type, durationSeconds, peak) {
  const points = speedPoints(durationSeconds, peak);
  const bytes = Math.round(points.reduce((sum, p) => sum + p.s * 5 * MIB, 0));
  return job(i, {
    type, started_at: day(d, h, m), duration_seconds: durationSeconds, bytes_transferred: bytes, total_bytes: bytes,
    performance_metrics: metricsFor(points, bytes),
  });
}

export const runningPoints = speedPoints(1100, 240).slice(0, 130);

export function demoData() {
  const running = job(13, {
    type: 'incremental', status: 'running', started_at: day(14, 14, 28), duration_seconds: 645,
    current_phase: 'transfer', progress_percent: 58.6, transfer_speed_bps: 212 * MIB, eta_seconds: 455,
    bytes_transferred: 118 * GIB, total_bytes: 201 * GIB,
    disks: [
      { disk_index: 0, bytes_transferred: 80 * GIB, total_bytes: 80 * GIB, status: 'completed', progress_percent: 100 },
      { disk_index: 1, bytes_transferred: 38 * GIB, total_bytes: 121 * GIB, status: 'running', progress_percent: 31.4 },
    ],
  });
  const backups = [
    running,
    finished(12, 13, 14, 30, 'incremental', 780, 230),
    finished(11, 12, 14, 30, 'incremental', 840, 220),
    job(10, { type: 'full', status: 'failed', started_at: day(11, 2, 0), duration_seconds: 1260, bytes_transferred: 96 * GIB, total_bytes: 410 * GIB, progress_percent: 23.4, error_message: 'Repository repo-eu-1 became unreachable: connect ETIMEDOUT 10.0.4.17:443 (disk 1 at 23%)' }),
    finished(9, 10, 14, 28, 'incremental', 720, 250),
    finished(8, 9, 14, 30, 'incremental', 905, 210),
    job(7, { type: 'incremental', status: 'cancelled', started_at: day(8, 14, 30), duration_seconds: 95, bytes_transferred: 3 * GIB, progress_percent: 4, error_message: 'Cancelled by operator' }),
    finished(6, 7, 2, 0, 'full', 3300, 280),
    finished(5, 6, 14, 30, 'incremental', 690, 240),
    finished(4, 5, 14, 30, 'incremental', 760, 235),
    job(3, { type: 'incremental', status: 'completed', started_at: day(4, 14, 30), duration_seconds: 700, bytes_transferred: 52 * GIB, total_bytes: 52 * GIB, performance_metrics: null }),
    job(2, { type: 'full', status: 'failed', started_at: null, created_at: day(3, 2, 0), bytes_transferred: 0, progress_percent: 0, error_message: 'Snapshot creation failed: VSS writer "SqlServerWriter" timed out' }),
  ];
  const by = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const b of backups) by[b.status] += 1;
  const ended = backups.filter((b) => b.status === 'completed');
  const stats = {
    vm_name: 'db-prod-01', repository_id: 'repo-eu-1', total: backups.length, by_status: by,
    success_rate_percent: (by.completed / (by.completed + by.failed + by.cancelled)) * 100,
    avg_size_bytes: ended.reduce((s, b) => s + b.bytes_transferred, 0) / ended.length,
    avg_duration_seconds: ended.reduce((s, b) => s + b.duration_seconds, 0) / ended.length,
    last_backup_at: running.started_at,
  };
  const machine = {
    vm_name: 'db-prod-01', cpu_count: 16, memory_bytes: 64 * GIB, os: 'Windows Server 2022 Datacenter',
    disks: [{ disk_index: 0, name: 'C: (system)', size_bytes: 80 * GIB }, { disk_index: 1, name: 'D: (SQL data)', size_bytes: 512 * GIB }],
    updated_at: running.started_at, last_job: running,
  };
  return { machine, backups, stats, running };
}

/** A small fleet in every protection state, for `<bt-fleet-overview>` (one page, as `GET /machines` answers it). */
export function fleetData() {
  const rows = [
    ['sql-prod-02', 'at_risk', 'No successful backup for 31 h (RPO 24 h); last attempt failed: NBD connection reset by peer', day(13, 9, 12), 'failed', 2],
    ['fs-archive-01', 'at_risk', 'No successful backup for 3 d (RPO 24 h); no attempt since Oct 12, 02:00', day(11, 2, 0), 'completed', 0],
    ['web-prod-03', 'warning', 'Within RPO 24 h, but the last attempt failed: Repository repo-eu-1 became unreachable', day(14, 2, 0), 'failed', 1],
    ['db-prod-01', 'protected', 'Last successful backup 23 h ago (RPO 24 h); a backup is running', day(13, 14, 30), 'running', 0],
    ['web-prod-01', 'protected', 'Last successful backup 2 h ago (RPO 24 h)', day(14, 12, 30), 'running', 0],
    ['web-prod-02', 'protected', 'Last successful backup 3 h ago (RPO 24 h)', day(14, 11, 30), 'completed', 0],
    ['k8s-node-07', 'pending', 'No successful backup yet; known for 40 min (RPO 24 h)', null, 'pending', 0],
    ['lab-scratch-01', 'unmonitored', 'No RPO set: not monitored', day(9, 18, 0), 'completed', 0],
  ];
  const machines = rows.map(([vm_name, status, reason, last_success_at, jobStatus, consecutive_failures], i) => {
    const running = jobStatus === 'running';
    return {
      vm_name, cpu_count: 8, memory_bytes: 32 * GIB, os: 'Ubuntu 22.04', disks: [], updated_at: day(14, 12, 0),
      protection: { status, rpo_hours: status === 'unmonitored' ? null : 24, grace_minutes: 60, last_success_at, consecutive_failures, reason, next_expected_at: null, schedule: null },
      last_job: job(100 + i, {
        vm_name, type: 'incremental', status: jobStatus, created_at: day(14, 14, i), started_at: jobStatus === 'pending' ? null : day(14, 14, i),
        progress_percent: running ? 37.5 + i * 8 : jobStatus === 'completed' ? 100 : 20, transfer_speed_bps: running ? (180 + i * 9) * MIB : 0,
        current_phase: running ? 'transferring' : null,
      }),
    };
  });
  const by_protection = { protected: 0, warning: 0, at_risk: 0, pending: 0, unmonitored: 0 };
  for (const m of machines) by_protection[m.protection.status] += 1;
  const window = { by_status: { completed: 0, failed: 0, cancelled: 0 }, total: 0, success_rate_percent: null, bytes_transferred: 0 };
  const summary = { machines: { total: machines.length, by_protection }, running_jobs: 2, pending_jobs: 1, windows: { '24h': window, '7d': window, '30d': window }, bytes_protected: 0, generated_at: day(14, 14, 40) };
  return { machines, summary };
}

/** The same fleet by day, for `<bt-fleet-calendar>` (one page, as `GET /fleet/calendar?days=30` answers it). */
export function calendarData() {
  const { machines } = fleetData();
  const days = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2024, 8, 15 + i)).toISOString().slice(0, 10));
  // Each VM's story over the month, newest day last: a nightly success unless its pattern says otherwise.
  const story = {
    'sql-prod-02': (i) => (i >= 28 ? 'failed' : i === 20 ? 'mixed' : 'success'),
    'fs-archive-01': (i) => (i >= 26 ? 'none' : 'success'),
    'web-prod-03': (i) => (i === 29 ? 'failed' : i === 12 ? 'cancelled' : 'success'),
    'db-prod-01': (i) => (i === 29 ? 'running' : i === 7 ? 'mixed' : 'success'),
    'web-prod-01': (i) => (i === 29 ? 'running' : 'success'),
    'web-prod-02': (i) => (i % 7 === 3 ? 'mixed' : 'success'),
    'k8s-node-07': (i) => (i === 29 ? 'running' : 'none'),
    'lab-scratch-01': (i) => (i % 3 === 0 ? 'success' : 'none'),
  };
  const counts = {
    success: { completed: 1, failed: 0, cancelled: 0, running: 0 },
    failed: { completed: 0, failed: 1, cancelled: 0, running: 0 },
    mixed: { completed: 1, failed: 1, cancelled: 0, running: 0 },
    cancelled: { completed: 0, failed: 0, cancelled: 1, running: 0 },
    running: { completed: 0, failed: 0, cancelled: 0, running: 1 },
    none: { completed: 0, failed: 0, cancelled: 0, running: 0 },
  };
  const rows = machines.map((m) => ({
    vm_name: m.vm_name,
    protection: { status: m.protection.status, reason: m.protection.reason },
    cells: days.map((date, i) => {
      const outcome = story[m.vm_name](i);
      const c = counts[outcome];
      return { date, outcome, jobs: c.completed + c.failed + c.cancelled + c.running, ...c };
    }),
  }));
  return { days, tz: 'UTC', machines: rows, next_cursor: null, total: rows.length };
}
