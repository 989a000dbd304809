import { formatDuration, type JobEndedEvent, type JobStaleEvent } from '@backup-telemetry/contract';
import cron, { type ScheduledTask } from 'node-cron';
import type { TelemetryEvents } from '../events.js';
import { finishJob } from '../ingest/end-job.js';
import { errorText } from '../ingest/pipeline.js';
import type { Logger } from '../logger.js';
import type { RunningRollups } from '../rollup/running.js';
import type { TelemetryMetrics } from '../metrics.js';
import type { Store } from '../store/index.js';
import { toBackupJob } from '../store/rows.js';

export interface StaleOptions {
  /** Cron expression (seconds field allowed). */
  cron: string;
  warnAfterMs: number;
  failAfterMs: number;
  maxChartPoints: number;
  now: () => number;
  metrics: TelemetryMetrics;
  /** The ingest's in-memory rollups: a job failed here is dropped from them. */
  rollups?: RunningRollups;
}

/** The message a job failed by silence carries, with the real length of the silence. */
export function stalledMessage(silentMs: number): string {
  return `Job stalled - no telemetry for ${formatDuration(silentMs / 1000)} (backup client may have crashed)`;
}

/**
 * Finds running jobs that went quiet: warns once per silence, and fails those silent past the limit
 * through the same end-of-job step as a client's `failed`. Every change is a conditional UPDATE, so
 * any number of hub instances may run it at once: only the instance whose UPDATE changed the row
 * logs and publishes.
 */
export class StaleDetector {
  private task: ScheduledTask | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly events: TelemetryEvents,
    private readonly logger: Logger,
    private readonly options: StaleOptions,
  ) {
    if (!cron.validate(options.cron)) throw new Error(`staleCheckCron is not a valid cron expression: ${JSON.stringify(options.cron)}`);
    if (options.failAfterMs <= options.warnAfterMs) throw new Error('staleFailAfterSeconds must be greater than staleWarnAfterSeconds');
  }

  start(): void {
    if (this.task) return;
    this.task = cron.schedule(this.options.cron, () => this.tick(), { noOverlap: true });
  }

  async stop(): Promise<void> {
    const task = this.task;
    this.task = null;
    if (task) await task.destroy();
    await this.running;
  }

  /** One pass, also callable directly (tests, or a host with its own scheduler). */
  async checkOnce(): Promise<{ warned: string[]; failed: string[] }> {
    const nowMs = this.options.now();
    const failed = await this.failSilentJobs(nowMs);
    const warned = await this.warnQuietJobs(nowMs);
    return { warned, failed };
  }

  private tick(): Promise<void> {
    this.running = this.checkOnce()
      .then(() => undefined)
      .catch((error) => this.logger.error({ err: errorText(error) }, 'stale check failed'))
      .finally(() => { this.running = null; });
    return this.running;
  }

  private async failSilentJobs(nowMs: number): Promise<string[]> {
    const cutoff = nowMs - this.options.failAfterMs;
    const candidates = await this.store.jobs.silentSince(this.store.knex, cutoff);
    const failed: string[] = [];
    for (const candidate of candidates) {
      const silentMs = nowMs - candidate.last_activity_at;
      const message = stalledMessage(silentMs);
      const ended = await this.store.transaction(async (trx): Promise<JobEndedEvent | null> => {
        if (!(await this.store.jobs.failIfSilent(trx, candidate.id, cutoff, message, nowMs))) return null;
        const { job, disks } = (await this.store.jobs.findJob(trx, candidate.id))!;
        job.transfer_speed_bps = 0;
        const metrics = await finishJob(this.store, trx, job, disks, nowMs, this.options.maxChartPoints, this.options.metrics);
        await this.store.jobs.saveJobs(trx, [job], disks);
        return { job: toBackupJob(job, disks, nowMs), performance_metrics: metrics };
      });
      if (!ended) continue;
      this.options.rollups?.forget(candidate.id);
      failed.push(candidate.id);
      this.options.metrics.staleFailed();
      this.logger.warn({ job_id: candidate.id, vm_name: ended.job.vm_name, silent_seconds: Math.round(silentMs / 1000) }, message);
      this.events.emit('job:ended', ended);
    }
    return failed;
  }

  private async warnQuietJobs(nowMs: number): Promise<string[]> {
    const cutoff = nowMs - this.options.warnAfterMs;
    const candidates = await this.store.jobs.silentSince(this.store.knex, cutoff, { unwarnedOnly: true });
    const warned: string[] = [];
    for (const candidate of candidates) {
      if (!(await this.store.jobs.markWarned(this.store.knex, candidate.id, cutoff, nowMs))) continue;
      const stored = await this.store.jobs.findJob(this.store.knex, candidate.id);
      if (!stored) continue;
      const { job, disks } = stored;
      const silent_seconds = Math.round((nowMs - candidate.last_activity_at) / 1000);
      const message = `No telemetry for ${formatDuration(silent_seconds)}; the job fails after ${formatDuration(this.options.failAfterMs / 1000)} of silence`;
      warned.push(job.id);
      this.options.metrics.staleWarned();
      this.logger.warn({ job_id: job.id, vm_name: job.vm_name, silent_seconds }, message);
      const event: JobStaleEvent = { job: toBackupJob(job, disks, nowMs), silent_seconds, message };
      this.events.emit('job:stale', event);
    }
    return warned;
  }
}
