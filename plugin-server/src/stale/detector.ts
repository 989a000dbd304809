import { formatDuration, type BackupJob, type JobEndedEvent, type JobStaleEvent } from '@backup-telemetry/contract';
import type { Knex } from 'knex';
import cron, { type ScheduledTask } from 'node-cron';
import type { TelemetryEvents } from '../events.js';
import { finishJob } from '../ingest/end-job.js';
import { appendLog, endEntry, hubEntry, toLogEntry, trimOf, type LogRow } from '../joblog/entries.js';
import { errorText } from '../error-text.js';
import type { Logger } from '../logger.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import { sweepProtection, type MachineOutbox, type SweepResult } from '../protection/sweep.js';
import type { RunningRollups } from '../rollup/running.js';
import type { TelemetryMetrics } from '../metrics.js';
import { isUnavailable } from '../store/dialect.js';
import type { Store } from '../store/index.js';
import type { Outage } from '../store/outages.js';
import { toBackupJob } from '../store/rows.js';
import type { DatabaseOutage } from './outage.js';

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
  /** This instance's view of database outages: a pass records the end of one it saw before deciding. */
  outage: DatabaseOutage;
  /** The policy of VMs without one of their own, for the at-risk sweep. */
  defaultPolicy: DefaultPolicy;
  /** Webhooks: a job failed by silence writes `job.stale` to the outbox in its own transaction. */
  notify?: StaleOutbox;
}

export interface StaleOutbox extends MachineOutbox {
  enqueueJobEvent(trx: Knex.Transaction, type: 'job.stale', job: BackupJob, nowMs: number): Promise<boolean>;
}

/** What one pass did on this instance: jobs warned and failed, and the at-risk sweep's changes. */
export interface StalePass extends SweepResult {
  warned: string[];
  failed: string[];
}

/**
 * The message a job failed by silence carries, with the real length of the silence, and, when a
 * database outage ended during it, how long the job stayed silent since the hub could hear it again.
 */
export function stalledMessage(silentMs: number, sinceOutageEndMs?: number): string {
  const cause = sinceOutageEndMs === undefined
    ? 'backup client may have crashed'
    : `backup client may have crashed; silent for ${formatDuration(sinceOutageEndMs / 1000)} since the hub's database came back`;
  return `Job stalled - no telemetry for ${formatDuration(silentMs / 1000)} (${cause})`;
}

/** How long a job was silent since an outage that ended during its silence, if one did. */
function sinceOutageEnd(lastActivityAt: number, outage: Outage | null, nowMs: number): number | undefined {
  return outage && outage.ended_at > lastActivityAt ? nowMs - outage.ended_at : undefined;
}

/**
 * Finds running jobs that went quiet: warns once per silence, and fails those silent past the limit
 * through the same end-of-job step as a client's `failed`. Every change is a conditional UPDATE, so
 * any number of hub instances may run it at once: only the instance whose UPDATE changed the row
 * logs and publishes. Silence counts from the end of the latest database outage if that came later
 * than a job's last telemetry (store/jobs.ts `silentBefore`): silence the hub caused is not the agent's.
 * Each pass ends with the at-risk sweep (protection/sweep.ts), after the failures it made are summarized.
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
  async checkOnce(): Promise<StalePass> {
    const nowMs = this.options.now();
    try {
      // Reaching the database again ends an outage this instance saw: recorded before any decision.
      await this.options.outage.recordEnd();
      const failed = await this.failSilentJobs(nowMs);
      const warned = await this.warnQuietJobs(nowMs);
      const sweep = await sweepProtection(this.store, this.events, this.logger, this.options.metrics, this.options.defaultPolicy, nowMs, this.options.notify);
      return { warned, failed, ...sweep };
    } catch (error) {
      if (isUnavailable(error)) this.options.outage.noteUnreachable();
      throw error;
    }
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
    const outage = candidates.length ? await this.store.outages.latest(this.store.knex) : null;
    for (const candidate of candidates) {
      const silentMs = nowMs - candidate.last_activity_at;
      const message = stalledMessage(silentMs, sinceOutageEnd(candidate.last_activity_at, outage, nowMs));
      const done = await this.store.transaction(async (trx): Promise<{ ended: JobEndedEvent; log: LogRow[] } | null> => {
        if (!(await this.store.jobs.failIfSilent(trx, candidate.id, cutoff, message, nowMs))) return null;
        const { job, disks } = (await this.store.jobs.findJob(trx, candidate.id))!;
        job.transfer_speed_bps = 0;
        const metrics = await finishJob(this.store, trx, job, disks, nowMs, this.options.maxChartPoints, this.options.metrics);
        const log = appendLog(job, [endEntry(job, nowMs)]);
        await this.store.jobs.saveJobs(trx, [job], disks);
        await this.store.summaries.recordEnded(trx, [job]);
        await this.store.jobLog.write(trx, log, [trimOf(job, true)!]);
        const event = { job: toBackupJob(job, disks, nowMs), performance_metrics: metrics };
        // Webhooks (notify/): a job failed by silence is `job.stale`, written with the change it reports.
        await this.options.notify?.enqueueJobEvent(trx, 'job.stale', event.job, nowMs);
        return { ended: event, log };
      });
      if (!done) continue;
      this.options.notify?.committed();
      const { ended } = done;
      this.options.rollups?.forget(candidate.id);
      failed.push(candidate.id);
      this.options.metrics.staleFailed();
      this.options.metrics.jobEnded(ended.job, ended.job.duration_seconds);
      this.logger.warn({ job_id: candidate.id, vm_name: ended.job.vm_name, silent_seconds: Math.round(silentMs / 1000) }, message);
      this.events.emit('job:log', { job_id: candidate.id, entries: done.log.map(toLogEntry) });
      this.events.emit('job:ended', ended);
    }
    return failed;
  }

  private async warnQuietJobs(nowMs: number): Promise<string[]> {
    const cutoff = nowMs - this.options.warnAfterMs;
    const candidates = await this.store.jobs.silentSince(this.store.knex, cutoff, { unwarnedOnly: true });
    const warned: string[] = [];
    const outage = candidates.length ? await this.store.outages.latest(this.store.knex) : null;
    for (const candidate of candidates) {
      const silent_seconds = Math.round((nowMs - candidate.last_activity_at) / 1000);
      const sinceEnd = sinceOutageEnd(candidate.last_activity_at, outage, nowMs);
      const recovered = sinceEnd === undefined ? '' : ` (${formatDuration(sinceEnd / 1000)} since the hub's database came back)`;
      const message = `No telemetry for ${formatDuration(silent_seconds)}${recovered}; the job fails after ${formatDuration(this.options.failAfterMs / 1000)} of silence`;
      // The mark takes the log's next seq; the warning entry goes in with it.
      const marked = await this.store.transaction(async (trx) => {
        if (!(await this.store.jobs.markWarned(trx, candidate.id, cutoff, nowMs))) return null;
        const stored = await this.store.jobs.findJob(trx, candidate.id);
        if (!stored) return null;
        const entry: LogRow = { job_id: candidate.id, seq: stored.job.log_count, ...hubEntry(nowMs, 'warning', message) };
        const trim = trimOf(stored.job, false);
        await this.store.jobLog.write(trx, [entry], trim ? [trim] : []);
        return { stored, entry };
      });
      if (!marked) continue;
      const { job, disks } = marked.stored;
      this.events.emit('job:log', { job_id: job.id, entries: [toLogEntry(marked.entry)] });
      warned.push(job.id);
      this.options.metrics.staleWarned();
      this.logger.warn({ job_id: job.id, vm_name: job.vm_name, silent_seconds }, message);
      const event: JobStaleEvent = { job: toBackupJob(job, disks, nowMs), silent_seconds, message };
      this.events.emit('job:stale', event);
    }
    return warned;
  }
}
