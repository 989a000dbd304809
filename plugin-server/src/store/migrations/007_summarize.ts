// Migration 007's own summarizing, frozen as 007 shipped it: a migration must build the same rows on
// every install, whatever fleet/summary.ts (the live definition, which fleet/rebuild.ts uses) becomes.
// Do not change it; a later change of what a summary holds ships its own migration.

type EndedStatus = 'completed' | 'failed' | 'cancelled';

/** The columns of a job 007 summarizes. */
export interface Job007 {
  id: string;
  vm_name: string;
  repository_id: string;
  status: string;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  bytes_transferred: number;
  error_message: string | null;
}

interface Counts007 {
  first_seen_at: number;
  last_job_id: string | null;
  last_job_at: number | null;
  last_started_at: number | null;
  completed_count: number;
  failed_count: number;
  cancelled_count: number;
  completed_bytes_sum: number;
  completed_duration_ms_sum: number;
  last_success_job_id: string | null;
  last_success_at: number | null;
  last_success_bytes: number | null;
  last_failure_job_id: string | null;
  last_failure_at: number | null;
  last_failure_error: string | null;
  last_ended_job_id: string | null;
  last_ended_at: number | null;
  last_ended_status: EndedStatus | null;
  consecutive_failures: number;
}

const compareIds = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const startOf = (job: Job007) => job.started_at ?? job.created_at;
const endOf = (job: Job007) => job.completed_at ?? startOf(job);
const isEnded = (status: string): status is EndedStatus => status === 'completed' || status === 'failed' || status === 'cancelled';

function isAfter(at: number, id: string, lastAt: number | null, lastId: string | null): boolean {
  if (lastAt === null || lastId === null) return true;
  return at > lastAt || (at === lastAt && compareIds(id, lastId) > 0);
}

function summarize(jobs: readonly Job007[]): Counts007 {
  const s: Counts007 = {
    first_seen_at: Math.min(...jobs.map((j) => j.created_at)), last_job_id: null, last_job_at: null, last_started_at: null,
    completed_count: 0, failed_count: 0, cancelled_count: 0, completed_bytes_sum: 0, completed_duration_ms_sum: 0,
    last_success_job_id: null, last_success_at: null, last_success_bytes: null,
    last_failure_job_id: null, last_failure_at: null, last_failure_error: null,
    last_ended_job_id: null, last_ended_at: null, last_ended_status: null, consecutive_failures: 0,
  };
  for (const job of jobs) {
    if (isAfter(job.created_at, job.id, s.last_job_at, s.last_job_id)) {
      s.last_job_id = job.id;
      s.last_job_at = job.created_at;
    }
    s.last_started_at = Math.max(s.last_started_at ?? -Infinity, startOf(job));
  }
  const ended = jobs.filter((j) => isEnded(j.status)).sort((a, b) => endOf(a) - endOf(b) || compareIds(a.id, b.id));
  for (const job of ended) {
    const at = endOf(job);
    s.last_ended_job_id = job.id;
    s.last_ended_at = at;
    s.last_ended_status = job.status as EndedStatus;
    if (job.status === 'completed') {
      s.completed_count += 1;
      s.completed_bytes_sum += job.bytes_transferred;
      s.completed_duration_ms_sum += at - startOf(job);
      s.last_success_job_id = job.id;
      s.last_success_at = at;
      s.last_success_bytes = job.bytes_transferred;
      s.consecutive_failures = 0;
    } else if (job.status === 'failed') {
      s.failed_count += 1;
      s.last_failure_job_id = job.id;
      s.last_failure_at = at;
      s.last_failure_error = job.error_message;
      s.consecutive_failures += 1;
    } else {
      s.cancelled_count += 1;
    }
  }
  return s;
}

/** Summary rows per VM and per VM and repository of the jobs of some VMs. */
export function summarizeByMachine007(jobs: readonly Job007[]): { machines: object[]; repositories: object[] } {
  const byVm = new Map<string, Job007[]>();
  const byRepo = new Map<string, { vm_name: string; repository_id: string; jobs: Job007[] }>();
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
    machines: [...byVm].map(([vm_name, list]) => ({ vm_name, ...summarize(list) })),
    repositories: [...byRepo.values()].map(({ vm_name, repository_id, jobs: list }) => ({ vm_name, repository_id, ...summarize(list) })),
  };
}
