/**
 * The JSON examples of the design documents (../shared/seeds/), as written there, with only their ids
 * and times taken as arguments. A client or front end built from those documents sends and expects
 * exactly these, so the seed contract test replays them.
 */

/** ISO 8601 to the second with a `Z`, as the documents write times (`2025-10-10T14:23:45Z`). */
export const docTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** 002, "Test Snapshot Storage": the registration its curl sends. */
export const registration002 = () => ({ vm_name: 'pgtest1', backup_type: 'incremental', repository_id: 'repo-local-1759780872' });

/** 003, "Telemetry Payload". */
export const payload003 = (jobId: string, timestamp: string) => ({
  job_id: jobId,
  job_type: 'backup',
  status: 'running',
  current_phase: 'transferring',
  bytes_transferred: 45678901234,
  total_bytes: 109521739776,
  transfer_speed_bps: 125000000,
  eta_seconds: 512,
  progress_percent: 42.5,
  disks: [
    { disk_index: 0, bytes_transferred: 42949672960, total_bytes: 102000000000, status: 'transferring', progress_percent: 42.1 },
    { disk_index: 1, bytes_transferred: 2729228274, total_bytes: 7521739776, status: 'pending', progress_percent: 0.0 },
  ],
  error: null,
  timestamp,
});

/** 003, "API Endpoint Documentation": the curl example (its `"disks": [...]` is elided in the document). */
export const curl003 = (jobId: string) => ({
  job_id: jobId,
  status: 'running',
  current_phase: 'transferring',
  bytes_transferred: 1234567890,
  total_bytes: 5000000000,
  transfer_speed_bps: 125000000,
  progress_percent: 24.7,
});

/** 004, `POST /api/v1/telemetry/{job_type}/{job_id}` request body. */
export const request004 = (timestamp: string) => ({
  job_type: 'backup',
  status: 'running',
  current_phase: 'transferring',
  bytes_transferred: 32212254720,
  total_bytes: 107374182400,
  transfer_speed_bps: 3221225472,
  eta_seconds: 23,
  progress_percent: 30.0,
  disks: [{ disk_index: 0, bytes_transferred: 32212254720, progress_percent: 30.0, status: 'transferring' }],
  timestamp,
});

/** 004, its response. */
export const response004 = { status: 'success', message: 'Telemetry received and processed', timestamp: '2025-10-10T14:35:43Z' };

/** 002, the `performance_metrics` example. */
export const performanceMetrics002 = {
  duration_seconds: 62,
  snapshots_recorded: 3,
  peak_speed_bps: 336392246,
  avg_speed_bps: 280000000,
  min_speed_bps: 200000000,
  peak_speed_mbps: 320.7,
  avg_speed_mbps: 267.0,
  chart_data: [
    { t: 0, s: 300000000, p: 0, phase: 'snapshot' },
    { t: 30, s: 336392246, p: 50, phase: 'transferring' },
    { t: 62, s: 320000000, p: 100, phase: 'completed' },
  ],
};

/** 000, its `performance_metrics` example (the first three chart points; the document elides the rest). */
export const performanceMetrics000 = {
  peak_speed_bps: 500000000,
  avg_speed_bps: 350000000,
  min_speed_bps: 200000000,
  duration_seconds: 300,
  snapshots: 10,
  chart_data: [
    { t: 0, s: 300000000, p: 0 },
    { t: 30, s: 350000000, p: 15 },
    { t: 60, s: 400000000, p: 30 },
  ],
};

/** 002, `GetTelemetryHistory` (Go) and `TelemetryHistoryResponse` (TypeScript): the three answers. */
export const history002 = {
  rolled_up: { job_id: 'backup-pgtest1-XXXXX', status: 'completed', data_source: 'rolled_up', performance_metrics: performanceMetrics002 },
  live_snapshots: {
    job_id: 'backup-pgtest1-XXXXX',
    status: 'running',
    data_source: 'live_snapshots',
    current_state: { bytes_transferred: 0, total_bytes: 0, transfer_speed_bps: 0, progress_percent: 0, current_phase: 'transferring' },
    chart_data: [{ t: 0, s: 0, p: 0, phase: 'transferring' }],
  },
  none: { job_id: 'backup-pgtest1-XXXXX', status: 'pending', data_source: 'none', message: 'No telemetry data available for this job' },
};

/** 000 and 002: the fields of a job in `GET /api/v1/backups?vm_name=&repository_id=` the modal reads. */
export const listedBackup000 = {
  backup_id: 'backup-pgtest1-XXXXX',
  type: 'incremental',
  status: 'completed',
  created_at: '2025-10-10T14:28:00Z',
  started_at: '2025-10-10T14:28:00Z',
  bytes_transferred: 0,
  current_phase: 'completed',
  progress_percent: 0,
  error_message: null,
};

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Problems with `actual` against a document's `example`: a key of the example that is missing or of
 * another JSON type (recursively; each element of an array against the example's first). Extra keys
 * are fine, and a `null` in the example accepts any value.
 */
export function shapeProblems(actual: unknown, example: unknown, path = '$'): string[] {
  if (example === null) return [];
  if (kind(actual) !== kind(example)) return [`${path} is ${kind(actual)} (${JSON.stringify(actual)}), the document has ${kind(example)}`];
  if (Array.isArray(example)) {
    const items = actual as unknown[];
    return example.length ? items.flatMap((item, i) => shapeProblems(item, example[0], `${path}[${i}]`)) : [];
  }
  if (kind(example) !== 'object') return [];
  return Object.entries(example as object).flatMap(([key, value]) =>
    Object.hasOwn(actual as object, key) ? shapeProblems((actual as Record<string, unknown>)[key], value, `${path}.${key}`) : [`${path}.${key} is missing`]);
}
