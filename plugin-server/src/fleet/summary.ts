import type { JobStatus } from '@backup-telemetry/contract';
import { startOf, type JobRow } from '../store/rows.js';

/**
 * What the hub keeps per VM (`machine_summaries`) and per VM and repository
 * (`machine_repository_summaries`), the same columns in both: the read model of fleet views, stats
 * and protection, kept in the transactions that register and end jobs. Timestamps are epoch ms on the
 * hub clock. "Last" is by time, ties broken by job id (byte order): the job registered last
 * (`created_at`), the success and the failure that ended last (`completed_at`).
 */
export interface SummaryCounts {
  /** When the first job of the VM (or of the VM in this repository) was registered. */
  first_seen_at: number;
  last_job_id: string | null;
  /** `created_at` of `last_job_id`. */
  last_job_at: number | null;
  /** The newest start of any job (`COALESCE(started_at, created_at)`): stats' `last_backup_at`. */
  last_started_at: number | null;
  completed_count: number;
  failed_count: number;
  cancelled_count: number;
  /** Of `completed_count`, the jobs that completed with warnings (`warnings_count` above 0; migration 010). */
  completed_with_warnings_count: number;
  /** Sums over completed jobs, behind the average size and duration. */
  completed_bytes_sum: number;
  completed_duration_ms_sum: number;
  last_success_job_id: string | null;
  last_success_at: number | null;
  /** `bytes_transferred` of the last successful job: the size of the newest backup. */
  last_success_bytes: number | null;
  last_failure_job_id: string | null;
  last_failure_at: number | null;
  last_failure_error: string | null;
  /** The job that ended last, whatever its outcome. */
  last_ended_job_id: string | null;
  last_ended_at: number | null;
  last_ended_status: EndedStatus | null;
  /** Failed jobs that ended after the last success (all failed jobs if none); a cancel neither counts nor resets. */
  consecutive_failures: number;
}

export type EndedStatus = Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>;

export interface MachineSummary extends SummaryCounts {
  vm_name: string;
}

export interface RepositorySummary extends SummaryCounts {
  vm_name: string;
  repository_id: string;
}

/** The columns of a job a summary is made of. */
export type SummarizedJob = Pick<JobRow, 'id' | 'job_type' | 'vm_name' | 'repository_id' | 'status' | 'created_at' | 'started_at' | 'completed_at' | 'bytes_transferred' | 'error_message' | 'warnings_count'>;

/** Job ids compare as the databases compare them (SQLite BINARY, MySQL's binary collations): by UTF-8 bytes. */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** True when (at, id) comes after (lastAt, lastId): later, or as late with a greater id. */
export function isAfter(at: number, id: string, lastAt: number | null, lastId: string | null): boolean {
  if (lastAt === null || lastId === null) return true;
  return at > lastAt || (at === lastAt && compareIds(id, lastId) > 0);
}

export function emptySummary(firstSeenAt: number): SummaryCounts {
  return {
    first_seen_at: firstSeenAt, last_job_id: null, last_job_at: null, last_started_at: null,
    completed_count: 0, failed_count: 0, cancelled_count: 0, completed_with_warnings_count: 0, completed_bytes_sum: 0, completed_duration_ms_sum: 0,
    last_success_job_id: null, last_success_at: null, last_success_bytes: null,
    last_failure_job_id: null, last_failure_at: null, last_failure_error: null,
    last_ended_job_id: null, last_ended_at: null, last_ended_status: null, consecutive_failures: 0,
  };
}

const isEnded = (status: JobStatus): status is EndedStatus => status === 'completed' || status === 'failed' || status === 'cancelled';
const endOf = (job: SummarizedJob) => job.completed_at ?? startOf(job);

/** Adds a registered job to a summary (mutating it). */
function addSeen(s: SummaryCounts, job: SummarizedJob): void {
  s.first_seen_at = Math.min(s.first_seen_at, job.created_at);
  if (isAfter(job.created_at, job.id, s.last_job_at, s.last_job_id)) {
    s.last_job_id = job.id;
    s.last_job_at = job.created_at;
  }
  s.last_started_at = Math.max(s.last_started_at ?? -Infinity, startOf(job));
}

/** Adds an ended job, given in end order (by `completed_at`, then id). */
function addEnded(s: SummaryCounts, job: SummarizedJob, status: EndedStatus): void {
  const at = endOf(job);
  s.last_ended_job_id = job.id;
  s.last_ended_at = at;
  s.last_ended_status = status;
  if (status === 'completed') {
    s.completed_count += 1;
    if (job.warnings_count > 0) s.completed_with_warnings_count += 1;
    s.completed_bytes_sum += job.bytes_transferred;
    s.completed_duration_ms_sum += at - startOf(job);
    s.last_success_job_id = job.id;
    s.last_success_at = at;
    s.last_success_bytes = job.bytes_transferred;
    s.consecutive_failures = 0;
  } else if (status === 'failed') {
    s.failed_count += 1;
    s.last_failure_job_id = job.id;
    s.last_failure_at = at;
    s.last_failure_error = job.error_message;
    s.consecutive_failures += 1;
  } else {
    s.cancelled_count += 1;
  }
}

/**
 * The summary of a set of jobs, computed from scratch: the definition the incremental updates
 * (fleet/summary-sql.ts) keep, used by fleet/rebuild.ts to build summaries from existing jobs
 * (migration 007 keeps its own frozen copy).
 */
export function summarize(jobs: readonly SummarizedJob[]): SummaryCounts | null {
  if (jobs.length === 0) return null;
  const s = emptySummary(Math.min(...jobs.map((j) => j.created_at)));
  for (const job of jobs) addSeen(s, job);
  const ended = jobs.filter((j) => isEnded(j.status))
    .sort((a, b) => endOf(a) - endOf(b) || compareIds(a.id, b.id));
  for (const job of ended) addEnded(s, job, job.status as EndedStatus);
  return s;
}

/** Summaries per VM and per VM and repository of jobs of any VMs. */
export function summarizeByMachine(jobs: readonly SummarizedJob[]): { machines: MachineSummary[]; repositories: RepositorySummary[] } {
  const byVm = new Map<string, SummarizedJob[]>();
  const byRepo = new Map<string, { vm_name: string; repository_id: string; jobs: SummarizedJob[] }>();
  for (const job of jobs) {
    const list = byVm.get(job.vm_name);
    if (list) list.push(job);
    else byVm.set(job.vm_name, [job]);
    const key = JSON.stringify([job.vm_name, job.repository_id]);
    const repo = byRepo.get(key);
    if (repo) repo.jobs.push(job);
    else byRepo.set(key, { vm_name: job.vm_name, repository_id: job.repository_id, jobs: [job] });
  }
  return {
    machines: [...byVm].map(([vm_name, list]) => ({ vm_name, ...summarize(list)! })),
    repositories: [...byRepo.values()].map(({ vm_name, repository_id, jobs: list }) => ({ vm_name, repository_id, ...summarize(list)! })),
  };
}
