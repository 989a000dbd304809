import {
  JOB_STATUSES, TelemetryError, invalid, type BackupJob, type BackupListResponse, type BackupStats, type JobStatus, type Machine,
} from '@backup-telemetry/contract';
import { machineProtection } from '../protection/machine.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import type { MachineSummary } from '../fleet/summary.js';
import type { PolicyRow } from '../store/policies.js';
import type { Store } from '../store/index.js';
import { toBackupJob, type MachineRow, type StoredJob } from '../store/rows.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

type Query = Record<string, unknown>;

function optionalString(query: Query, key: string, maxLength = 255): string | undefined {
  const value = query[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(key, 'must be given once, as text');
  if (value.length > maxLength) throw invalid(key, `must be at most ${maxLength} characters`);
  return value;
}

function parseLimit(query: Query): number {
  const raw = optionalString(query, 'limit', 10);
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) throw invalid('limit', `must be a whole number from 1 to ${MAX_LIMIT}`);
  return Number(raw);
}

function parseStatuses(query: Query): JobStatus[] | undefined {
  const raw = optionalString(query, 'status', 100);
  if (raw === undefined) return undefined;
  const statuses = raw.split(',');
  for (const s of statuses) if (!(JOB_STATUSES as readonly string[]).includes(s)) throw invalid('status', `must be one or more (comma-separated) of ${JOB_STATUSES.join(', ')}`);
  return statuses as JobStatus[];
}

/** `before` is the `next_before` cursor of the previous page, or an ISO date / epoch ms. */
function parseBefore(query: Query): { created_at: number; id: string | null } | undefined {
  const raw = optionalString(query, 'before', 120);
  if (raw === undefined) return undefined;
  const cursor = /^(\d{1,15})~(.+)$/.exec(raw);
  if (cursor) return { created_at: Number(cursor[1]), id: cursor[2]! };
  const ms = /^\d{1,15}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (Number.isNaN(ms)) throw invalid('before', 'must be a cursor from next_before, an ISO 8601 date or epoch milliseconds');
  return { created_at: ms, id: null };
}

export async function listBackups(store: Store, query: Query, nowMs: number): Promise<BackupListResponse> {
  const limit = parseLimit(query);
  const rows = await store.jobs.list(store.knex, {
    vm_name: optionalString(query, 'vm_name'),
    repository_id: optionalString(query, 'repository_id'),
    statuses: parseStatuses(query),
    before: parseBefore(query),
    limit,
  });
  const last = rows[rows.length - 1]?.job;
  return {
    backups: rows.map(({ job, disks }) => toBackupJob(job, disks, nowMs)),
    next_before: rows.length === limit && last ? `${last.created_at}~${last.id}` : null,
  };
}

/** The stored job, or 404 naming `field`. */
export async function requireJob(store: Store, id: string, field = 'id'): Promise<StoredJob> {
  const stored = await store.jobs.findJob(store.knex, id);
  if (!stored) throw new TelemetryError('job_not_found', `no job with id ${id}`, { field });
  return stored;
}

/** The API shape of a stored job, with its disks and (once ended) its performance metrics. */
export function toApiJob({ job, disks }: StoredJob, nowMs: number): BackupJob {
  return toBackupJob(job, disks, nowMs, true);
}

export async function getBackup(store: Store, id: string, nowMs: number): Promise<BackupJob> {
  return toApiJob(await requireJob(store, id), nowMs);
}

/** `GET /backups/stats`: from the machine summaries (fleet/), never a scan of `backup_jobs`. */
export async function backupStats(store: Store, query: Query): Promise<BackupStats> {
  const vm_name = optionalString(query, 'vm_name');
  const repository_id = optionalString(query, 'repository_id');
  const raw = await store.summaries.stats(store.knex, { vm_name, repository_id });
  const by_status = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const { status, count } of raw.byStatus) if (status in by_status) by_status[status as JobStatus] = count;
  const ended = by_status.completed + by_status.failed + by_status.cancelled;
  return {
    vm_name: vm_name ?? null,
    repository_id: repository_id ?? null,
    total: Object.values(by_status).reduce((a, b) => a + b, 0),
    by_status,
    completed_with_warnings: raw.completedWithWarnings,
    success_rate_percent: ended > 0 ? Math.round((by_status.completed / ended) * 1000) / 10 : null,
    avg_size_bytes: by_status.completed > 0 ? Math.round(raw.completedBytesSum / by_status.completed) : null,
    avg_duration_seconds: by_status.completed > 0 ? Math.round(raw.completedDurationMsSum / by_status.completed / 1000) : null,
    last_backup_at: raw.lastStartedAt === null ? null : new Date(raw.lastStartedAt).toISOString(),
  };
}

function toMachine(row: MachineRow, last: BackupJob | null, summary: MachineSummary | null, policy: PolicyRow | null, defaults: DefaultPolicy, nowMs: number): Machine {
  // A VM known only by its facts (no job summarized yet) counts as first seen when its facts were.
  const input = summary ?? { first_seen_at: row.updated_at, last_success_at: null, last_ended_status: null, last_failure_error: null, consecutive_failures: 0 };
  return {
    vm_name: row.vm_name,
    cpu_count: row.cpu_count,
    memory_bytes: row.memory_bytes,
    os: row.os,
    disks: row.disks ?? [],
    updated_at: new Date(row.updated_at).toISOString(),
    last_job: last,
    protection: machineProtection(input, policy, defaults, nowMs),
  };
}

export async function getMachine(store: Store, vmName: string, nowMs: number, defaults: DefaultPolicy): Promise<Machine> {
  const row = await store.machines.find(store.knex, vmName);
  if (!row) throw new TelemetryError('machine_not_found', `no machine named ${vmName}`, { field: 'vm_name' });
  const [summary, policy] = await Promise.all([store.summaries.ofMachine(store.knex, vmName), store.policies.find(store.knex, vmName)]);
  const last = summary?.last_job_id ? (await store.jobs.listedByIds(store.knex, [summary.last_job_id])).get(summary.last_job_id) : undefined;
  return toMachine(row, last ? toBackupJob(last.job, last.disks, nowMs) : null, summary, policy, defaults, nowMs);
}
