import { isTerminalStatus } from '@backup-telemetry/contract';
import type { JobState } from './apply.js';

/** Running jobs whose committed state one hub instance keeps at most (≈ 2 KB each with three disks). */
export const COMMITTED_STATES_CAPACITY = 10_000;

const copyOf = (state: JobState): JobState => ({
  job: { ...state.job },
  disks: new Map([...state.disks].map(([index, disk]) => [index, { ...disk }])),
});

/**
 * The state of each running job as this instance last committed it, so that an ingest batch need
 * not read its jobs back: it locks them reading only their row versions and reuses a kept state
 * whose `row_version` is still the stored one. Any other writer (another instance, the stale
 * detector) bumps the version, and the job is then read in full, so memory is a shortcut, never
 * the truth. Least recently committed jobs are dropped past `capacity`; ended jobs are not kept.
 */
export class CommittedStates {
  private readonly byJob = new Map<string, JobState>();

  constructor(private readonly capacity = COMMITTED_STATES_CAPACITY) {}

  get size(): number {
    return this.byJob.size;
  }

  /**
   * Copies of the kept states of these jobs, for a batch to change freely: a batch that fails
   * leaves the kept state as it was committed.
   */
  checkout(ids: Iterable<string>): Map<string, JobState> {
    const out = new Map<string, JobState>();
    for (const id of ids) {
      const state = this.byJob.get(id);
      if (state) out.set(id, copyOf(state));
    }
    return out;
  }

  /** After a commit: the states it wrote (their `row_version` the one stored) are the ones to reuse. */
  remember(states: Iterable<JobState>): void {
    for (const state of states) {
      const { id } = state.job;
      this.byJob.delete(id);
      if (isTerminalStatus(state.job.status)) continue;
      this.byJob.set(id, state);
      if (this.byJob.size > this.capacity) this.byJob.delete(this.byJob.keys().next().value!);
    }
  }
}
