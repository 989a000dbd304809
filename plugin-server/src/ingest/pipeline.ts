import { isTerminalStatus, TelemetryError, validateJobId, validateJobType, validateUpdate, type NormalizedUpdate } from '@backup-telemetry/contract';
import type { Access, Principal } from '../access/access.js';
import type { RateLimiter } from '../access/rate-limit.js';
import type { TelemetryEvents } from '../events.js';
import type { TelemetryMetrics } from '../metrics.js';
import type { Logger } from '../logger.js';
import type { DatabaseOutage } from '../stale/outage.js';
import { errorText } from '../error-text.js';
import { RollupState, toChartPoint } from '../rollup/rollup.js';
import { RunningRollups } from '../rollup/running.js';
import { isRetryable, isUnavailable } from '../store/dialect.js';
import type { Store } from '../store/index.js';
import type { Statement } from '../fleet/summary-sql.js';
import type { IngestTransaction, IngestWrites } from '../store/ingest-tx.js';
import { appendLog, endEntry, hubEntry, RESUMED_MESSAGE, toLogEntry, trimOf, type LogRow } from '../joblog/entries.js';
import { startOf, toBackupJob, type SnapshotRow } from '../store/rows.js';
import { applyUpdate, type JobState } from './apply.js';
import { CommittedStates } from './committed-states.js';
import { endJob, judgeJob } from './end-job.js';
import type { AnomalyThresholds } from '../insight/anomalies.js';
import type { PastJob } from '../insight/baseline.js';
import { historyKeyOf } from '../store/insight.js';

export interface IngestResult {
  applied: boolean;
  job_id: string;
}

export interface PipelineOptions {
  snapshotIntervalMs: number;
  maxChartPoints: number;
  /** Most updates one transaction commits. */
  maxBatchSize: number;
  /** A batch whose transaction has not finished by then is refused with 503. */
  transactionTimeoutMs: number;
  /** Transactions in flight at once (jobs hashed to lanes). */
  lanes: number;
  now: () => number;
  access: Access;
  /** Limits updates per job, and per token (or address when ingest is open). */
  jobLimiter: RateLimiter;
  sourceLimiter: RateLimiter;
  metrics: TelemetryMetrics;
  /** Told when a batch finds the database unreachable, and when one commits again. */
  outage: DatabaseOutage;
  /** Webhooks: the outbox rows of jobs that end, written in the batch's own commit. */
  notify?: JobEndOutbox;
  /** When a completed job is flagged against its VM's history (insight/). */
  anomalyThresholds: AnomalyThresholds;
}

/** What the ingest needs of notify/: outbox statements for ended jobs (none when no endpoint wants them), and a nudge after they committed. */
export interface JobEndOutbox {
  jobsEnded(jobs: readonly JobState[], nowMs: number): Statement[];
  committed(): void;
}

interface Pending {
  update: NormalizedUpdate;
  resolve(result: IngestResult): void;
  reject(error: TelemetryError): void;
}

/** One serial stream of batches. Jobs are hashed to lanes, so lanes never touch the same job. */
interface Lane {
  queue: Pending[];
  flushing: boolean;
  drained: (() => void)[];
}

/** A stable lane for a job id (FNV-1a). */
export function laneOf(jobId: string, lanes: number): number {
  if (lanes <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) hash = Math.imul(hash ^ jobId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

interface BatchEffects {
  results: (IngestResult | TelemetryError)[];
  states: Map<string, JobState>;
  /** The batch's new snapshots by job, each list in time order. */
  snapshots: Map<string, SnapshotRow[]>;
  ended: Set<string>;
  /** The commit wrote webhook outbox rows. */
  notified?: boolean;
  /** The batch's session log entries by job, each list in `seq` order. */
  log: Map<string, LogRow[]>;
}

const MAX_DEADLOCK_RETRIES = 3;

/**
 * The single ingest path of HTTP and socket telemetry. Updates are validated at once, then queued
 * and committed in groups: while a lane's transaction runs, the next updates of its jobs wait and go
 * together into its next one (no added delay when idle). Several lanes commit side by side; a job
 * always goes to the same lane, so its updates stay in order. Each caller is answered only after
 * its update's transaction committed, and events are emitted only then.
 */
export class IngestPipeline {
  /** The rollups of the running jobs this instance ingests, so that a job's end need not read its snapshots. */
  readonly rollups: RunningRollups;
  /** The states this instance committed, so that a batch need not read its jobs back. */
  readonly committed = new CommittedStates();
  private readonly lanes: Lane[];
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly events: TelemetryEvents,
    private readonly logger: Logger,
    private readonly options: PipelineOptions,
  ) {
    this.rollups = new RunningRollups(options.maxChartPoints);
    this.lanes = Array.from({ length: Math.max(1, options.lanes) }, () => ({ queue: [], flushing: false, drained: [] }));
  }

  /**
   * Admits, validates and ingests one update; resolves after its transaction committed. Throws a
   * TelemetryError: 401/403 (token), 429 (rate), 400 (body), 404 (job), 409 (ended), 503 (database).
   */
  async submit(jobType: unknown, jobId: unknown, body: unknown, principal: Principal = {}): Promise<IngestResult> {
    const started = performance.now();
    try {
      if (this.closed) throw new TelemetryError('shutting_down', 'the hub is shutting down; retry shortly', { retryAfterSeconds: 5 });
      const { access, sourceLimiter, jobLimiter, now } = this.options;
      access.authenticate(principal);
      // Every rate-limit key is built from checked values only: a key is memory until the minute ends.
      const type = validateJobType(jobType);
      const id = validateJobId(jobId);
      await access.authorize(principal, { action: 'telemetry', job_type: type, job_id: id });
      const source = access.sourceOf(principal);
      sourceLimiter.hit(source.key, source.what);
      jobLimiter.hit(`${type}/${id}`, `job ${id}`);
      const update = validateUpdate(body, { jobType: type, jobId: id, nowMs: now() });
      const lane = this.lanes[laneOf(update.job_id, this.lanes.length)]!;
      const result = await new Promise<IngestResult>((resolve, reject) => {
        lane.queue.push({ update, resolve, reject });
        this.schedule(lane);
      });
      this.options.metrics.accepted(result.applied, (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      this.options.metrics.rejected((error as TelemetryError).code ?? 'internal_error', error);
      throw error;
    }
  }

  /** Stops taking updates and resolves once every queued update has been committed or refused. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => {
      if (!lane.flushing && lane.queue.length === 0) return undefined;
      return new Promise<void>((resolve) => lane.drained.push(resolve));
    }));
  }

  private schedule(lane: Lane): void {
    if (lane.flushing) return;
    if (lane.queue.length === 0) {
      for (const done of lane.drained.splice(0)) done();
      return;
    }
    lane.flushing = true;
    setImmediate(() => void this.flush(lane));
  }

  private async flush(lane: Lane): Promise<void> {
    const batch = lane.queue.splice(0, this.options.maxBatchSize);
    try {
      await this.commitBatch(batch);
    } finally {
      lane.flushing = false;
      this.schedule(lane);
    }
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const effects = await this.withinDeadline(this.runBatch(batch), batch.length);
        this.options.metrics.committed(batch.length);
        if (this.options.outage.unrecorded) this.recordOutageEnd();
        this.committed.remember(effects.states.values());
        this.keepRollups(effects);
        this.settle(batch, effects);
        return;
      } catch (error) {
        if (isRetryable(error) && attempt < MAX_DEADLOCK_RETRIES) continue;
        if (isUnavailable(error)) {
          this.options.outage.noteUnreachable();
          this.logger.warn({ err: errorText(error), updates: batch.length }, 'database unavailable: telemetry refused with 503');
          const refusal = new TelemetryError('database_unavailable', 'the telemetry database is unavailable; retry shortly', { retryAfterSeconds: 5, cause: error });
          for (const p of batch) p.reject(refusal);
          return;
        }
        if (batch.length > 1) {
          // One poisoned update must not refuse its neighbours: commit each on its own.
          for (const p of batch) await this.commitBatch([p]);
          return;
        }
        this.logger.error({ err: errorText(error), job_id: batch[0]?.update.job_id }, 'telemetry update failed');
        for (const p of batch) p.reject(new TelemetryError('internal_error', 'the update could not be stored', { cause: error }));
        return;
      }
    }
  }

  /** Off the ingest's path: the senders of the batch that reached the database again are answered at once. */
  private recordOutageEnd(): void {
    this.options.outage.recordEnd().catch((error) => this.logger.warn({ err: errorText(error) }, 'the end of a database outage could not be recorded yet'));
  }

  /**
   * A database that stops answering on an open connection would hold every queued update behind
   * it. Past the deadline the batch is refused with 503 (clients retry; a retry of an update that
   * did commit late is recognised by its timestamp) and the pipeline moves on.
   */
  private withinDeadline<T>(work: Promise<T>, updates: number): Promise<T> {
    const ms = this.options.transactionTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        work.then(
          () => this.logger.warn({ updates }, 'a telemetry transaction committed after its deadline; its senders were told to retry'),
          () => undefined,
        );
        reject(new DeadlineExceeded(ms));
      }, ms);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  /** Runs one batch in one ingest transaction; rolls it back on any failure. */
  private async runBatch(batch: Pending[]): Promise<BatchEffects> {
    const known = await this.commitKnown(batch);
    if (known) return known;
    const tx = this.store.ingestTransaction();
    try {
      return await this.applyBatch(tx, batch);
    } catch (error) {
      await tx.rollback();
      throw error;
    }
  }

  /**
   * The steady state on MySQL: every job of the batch is running and this instance committed its
   * state, so the batch is applied to those states and written in one round trip, guarded by their
   * row versions. Null (nothing written) when a job is new to this instance, ends, or was changed by
   * another writer meanwhile: the batch then takes the locking path.
   */
  private async commitKnown(batch: Pending[]): Promise<BatchEffects | null> {
    const tx = this.store.ingestTransaction();
    if (!tx.commitIfUnchanged) return null;
    const ids = new Set(batch.map((p) => p.update.job_id));
    const states = this.committed.checkout(ids);
    if (states.size !== ids.size) return null;
    const effects = this.applyUpdates(batch, states, this.options.now());
    if (effects.ended.size > 0) return null;
    const written = await tx.commitIfUnchanged(writesOf(effects, []));
    if (written) return effects;
    this.options.metrics.versionConflict();
    return null;
  }

  /** Applies each update of the batch to its job's state (in memory), recording what the batch changes. */
  private applyUpdates(batch: Pending[], states: Map<string, JobState>, nowMs: number, log = new Map<string, LogRow[]>()): BatchEffects {
    const effects: BatchEffects = { results: [], states: new Map(), snapshots: new Map(), ended: new Set(), log };
    for (const { update } of batch) {
      const state = states.get(update.job_id);
      if (!state || state.job.job_type !== update.job_type) {
        effects.results.push(new TelemetryError('job_not_found', `no ${update.job_type} job with id ${update.job_id}; register it with POST /backups first`, { field: 'job_id' }));
        continue;
      }
      try {
        const outcome = applyUpdate(state, update, nowMs, this.options.snapshotIntervalMs);
        effects.states.set(update.job_id, state);
        if (outcome.applied && outcome.snapshot) {
          const list = effects.snapshots.get(update.job_id);
          if (list) list.push(outcome.snapshot);
          else effects.snapshots.set(update.job_id, [outcome.snapshot]);
        }
        if (outcome.applied && outcome.ended) effects.ended.add(update.job_id);
        if (outcome.applied && outcome.log.length) addLog(effects, update.job_id, outcome.log);
        effects.results.push({ applied: outcome.applied, job_id: update.job_id });
      } catch (error) {
        // A refusal (409) is an answer; anything else is a bug that must not pass for success.
        if (!(error instanceof TelemetryError)) throw error;
        effects.results.push(error);
      }
    }
    return effects;
  }

  private async applyBatch(tx: IngestTransaction, batch: Pending[]): Promise<BatchEffects> {
    const nowMs = this.options.now();
    const ids = [...new Set(batch.map((p) => p.update.job_id))];
    const kept = this.committed.checkout(ids);
    const locked = await tx.lockJobs(ids, new Map([...kept].map(([id, s]) => [id, s.job.row_version])));
    const states = new Map<string, JobState>();
    const resumed = new Map<string, LogRow[]>();
    for (const id of locked.versions.keys()) {
      const read = locked.read.get(id);
      states.set(id, read ? { job: read.job, disks: new Map(read.disks.map((d) => [d.disk_index, d])) } : kept.get(id)!);
      // A running job this instance never committed: it started before this hub did (or another instance served it).
      if (read && !kept.has(id) && read.job.status === 'running') resumed.set(id, appendLog(read.job, [hubEntry(nowMs, 'info', RESUMED_MESSAGE)]));
    }
    const effects = this.applyUpdates(batch, states, nowMs, resumed);

    for (const [id, state] of states) if (isTerminalStatus(state.job.status) && !effects.ended.has(id)) this.rollups.forget(id);

    // A job that ended is rolled up from the rollup kept while it ran, when that holds exactly the
    // snapshots stored for it, else from its stored snapshots read back; then this batch's own
    // snapshots of it (not stored) and its final state. Its stored snapshots are deleted in the commit.
    const ended = [...effects.ended];
    const storedCount = new Map<string, number | null>();
    const rolling = new Map<string, RollupState>();
    const toRead: string[] = [];
    for (const id of ended) {
      const { job } = effects.states.get(id)!;
      const own = effects.snapshots.get(id)?.length ?? 0;
      const count = job.snapshot_count === null ? null : job.snapshot_count - own;
      storedCount.set(id, count);
      const kept = this.rollups.take(job, count);
      if (kept) rolling.set(id, kept);
      else if (count === 0) rolling.set(id, new RollupState(startOf(job), this.options.maxChartPoints));
      else toRead.push(id);
    }
    const stored = toRead.length ? await tx.snapshotsOf(toRead) : new Map<string, SnapshotRow[]>();
    // Jobs that complete are judged against their VMs' last completed jobs: one read per batch that completes any.
    const completing = new Map(ended.map((id) => effects.states.get(id)!.job).filter((job) => job.status === 'completed').map((job) => [historyKeyOf(job), job]));
    const { anomalyThresholds } = this.options;
    const histories = completing.size ? await tx.completedHistory([...completing.values()], anomalyThresholds.historyJobs) : new Map<string, PastJob[]>();
    for (const id of ended) {
      const started = performance.now();
      const state = effects.states.get(id)!;
      let rollup = rolling.get(id);
      if (!rollup) {
        const read = stored.get(id) ?? [];
        storedCount.set(id, read.length);
        rollup = new RollupState(startOf(state.job), this.options.maxChartPoints).addAll(read);
      }
      rollup.addAll(effects.snapshots.get(id) ?? []);
      endJob(state.job, [...state.disks.values()], rollup, nowMs);
      judgeJob(state.job, histories.get(historyKeyOf(state.job)) ?? [], anomalyThresholds);
      addLog(effects, id, appendLog(state.job, [endEntry(state.job, nowMs)]));
      this.options.metrics.rolledUp((performance.now() - started) / 1000);
    }
    const writes = writesOf(effects, ended.filter((id) => storedCount.get(id) !== 0));
    if (this.options.notify && ended.length) writes.outbox = this.options.notify.jobsEnded(ended.map((id) => effects.states.get(id)!), nowMs);
    await tx.commit(writes);
    effects.notified = writes.outbox.length > 0;
    return effects;
  }

  /** After a commit: the stored snapshots of running jobs feed their rollups. */
  private keepRollups(effects: BatchEffects): void {
    for (const [id, points] of effects.snapshots) {
      if (!effects.ended.has(id)) this.rollups.recordStored(effects.states.get(id)!.job, points);
    }
  }

  private settle(batch: Pending[], effects: BatchEffects): void {
    batch.forEach((p, i) => {
      const result = effects.results[i]!;
      if (result instanceof TelemetryError) p.reject(result);
      else p.resolve(result);
    });
    if (effects.notified) this.options.notify?.committed();
    for (const id of effects.ended) {
      const { job } = effects.states.get(id)!;
      this.options.metrics.jobEnded(job, ((job.completed_at ?? startOf(job)) - startOf(job)) / 1000);
      if (job.anomalies?.length) {
        this.options.metrics.anomaliesFound(job.anomalies);
        this.events.emit('job:anomaly', { job_id: job.id, vm_name: job.vm_name, anomalies: job.anomalies });
      }
    }
    if (this.events.listenerCount('job:log') > 0) for (const [job_id, rows] of effects.log) {
      if (effects.states.has(job_id)) this.events.emit('job:log', { job_id, entries: rows.map(toLogEntry) });
    }
    if (this.events.listenerCount('job:update') + this.events.listenerCount('job:ended') === 0) return;
    const nowMs = this.options.now();
    for (const [id, state] of effects.states) {
      const job = toBackupJob(state.job, [...state.disks.values()], nowMs);
      if (effects.ended.has(id)) {
        this.events.emit('job:ended', { job, performance_metrics: state.job.performance_metrics });
        continue;
      }
      const points = effects.snapshots.get(id);
      if (!points) this.events.emit('job:update', { job });
      else for (const s of points) this.events.emit('job:update', { job, point: toChartPoint(s, startOf(state.job)) });
    }
  }
}

/**
 * What a batch writes: every job it touched (its row version bumped: the version it commits) with its
 * disks, and the new snapshots of the jobs that did not end (an ended job's are rolled up instead).
 */
function writesOf(effects: BatchEffects, deleteSnapshotsOf: string[]): IngestWrites {
  const touched = [...effects.states.values()];
  for (const { job } of touched) job.row_version += 1;
  // Only the log of a job whose row (with its `log_count`) this batch writes.
  const logged = [...effects.log].filter(([id]) => effects.states.has(id));
  return {
    log: logged.flatMap(([, rows]) => rows),
    logTrims: touched
      .filter((s) => effects.ended.has(s.job.id) || effects.log.has(s.job.id))
      .flatMap((s) => trimOf(s.job, effects.ended.has(s.job.id)) ?? []),
    snapshots: [...effects.snapshots].flatMap(([id, list]) => (effects.ended.has(id) ? [] : list)),
    deleteSnapshotsOf,
    disks: touched.flatMap((s) => [...s.disks.values()]),
    jobs: touched.map((s) => s.job),
    ended: touched.filter((s) => effects.ended.has(s.job.id)).map((s) => s.job),
    outbox: [],
  };
}

function addLog(effects: BatchEffects, jobId: string, rows: LogRow[]): void {
  const list = effects.log.get(jobId);
  if (list) list.push(...rows);
  else effects.log.set(jobId, rows);
}

/** The database did not finish a transaction in time: treated like an unreachable database. */
export class DeadlineExceeded extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}
