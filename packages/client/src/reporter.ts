import {
  type BottleneckStage,
  isTerminalStatus, LIMITS, LOG_LEVELS, validateJobId, validateJobType, validateUpdate,
  type DiskProgress, type JobStatus, type LogEntryInput, type LogLevel, type TelemetryUpdate, type TerminalStatus,
} from '@backup-telemetry/contract';
import { diskList, jobTotals, mergeDisks, percentOf } from './aggregate.js';
import { backoffDelayMs } from './backoff.js';
import { markSent, sendReason, dueAtMs, type CadenceOptions, type SendReason, type SentMark } from './cadence.js';
import { ReporterError } from './errors.js';
import { resolveOptions, type Logger, type ReporterOptions, type ResolvedOptions } from './options.js';
import { Outbox, type EntryKind, type OutboxEntry } from './queue.js';
import { addSample, DEFAULT_RATE, etaSeconds, speedBps, type ByteSample, type RateOptions } from './rate.js';
import { createFallbackTransport } from './transports/fallback.js';
import { createHttpTransport } from './transports/http.js';
import { createSocketTransport } from './transports/socket.js';
import type { Transport, TransportName } from './transports/types.js';
import { StageClock } from './stages.js';

/**
 * The fields `report()` takes: the contract's update without routing fields and timestamp. Its `log`
 * lines are queued like `log()`'s (they are sent once, not with every later update).
 */
export type ProgressFields = Omit<TelemetryUpdate, 'job_id' | 'job_type' | 'timestamp'>;

/** Log lines `log()` keeps waiting for an update (while the hub is unreachable, say); past it the oldest are dropped. */
export const MAX_PENDING_LOG_LINES = 200;

/** A progress report: a job-level byte count, or per-disk progress the job totals are summed from. */
export type ProgressReport = ProgressFields & ({ bytes_transferred: number } | { disks: DiskProgress[] });

/** How the end of a job was acknowledged. */
export interface EndResult {
  status: TerminalStatus;
  /** False when the hub already had this end (a retried end, or a repeat call). */
  applied: boolean;
  transport: TransportName;
}

export interface ReporterStats {
  /** Updates waiting for the hub's ack. */
  queued: number;
  /** Updates the hub acknowledged. */
  acknowledged: number;
  /** Updates given up: refused by the hub (4xx), or dropped by the queue's overflow policy. */
  dropped: number;
  /** Failed attempts that were retried. */
  retries: number;
  /** The last delivery error, if any. */
  lastError?: { code: string; message: string; status?: number };
}

export interface Reporter {
  /** Records progress; sends it when the cadence says so. Returns at once and never throws. */
  report(progress: ProgressReport): void;
  /**
   * Adds a line to the job's session log on the hub: sent with the next update, at the latest when
   * the interval since the last one is up (before the first `report()`, with it), at most 10 lines
   * per update; the end sends every line still waiting first. Stamped with the time of this call.
   * A message over 1,000 characters is cut; an unknown level is ignored with a warning. Never throws.
   */
  log(level: LogLevel, message: string): void;
  /** Ends the job as completed; resolves when the hub acknowledged it, rejects with a ReporterError otherwise. */
  complete(final?: ProgressFields): Promise<EndResult>;
  /** Ends the job as failed with `error` as its message. */
  fail(error: Error | string, final?: ProgressFields): Promise<EndResult>;
  /** Ends the job as cancelled. */
  cancel(final?: ProgressFields): Promise<EndResult>;
  /**
   * Records `ms` milliseconds the client spent in one stage of its data path (`source`: waiting on
   * reads, `proxy`: processing, `network`: sending, `target`: waiting on writes). The next update
   * carries each stage's share of the time since the previous one as `bottleneck` (busy percent),
   * from which the hub names the job's bottleneck. Throws a TypeError for an unknown stage or a bad time.
   */
  stage(stage: BottleneckStage, ms: number): void;
  /** Resolves true once every queued update was acknowledged, false after `timeoutMs`. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Sends the newest state, waits up to `timeoutMs` (default `closeTimeoutMs`) for the queue, then stops. */
  close(options?: { timeoutMs?: number }): Promise<void>;
  stats(): ReporterStats;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a reporter for one job. Throws a TelemetryError at once on a malformed job id or type. */
export function createReporter(input: ReporterOptions): Reporter {
  const options = resolveOptions(input);
  const jobId = validateJobId(options.jobId, 'jobId');
  const jobType = validateJobType(options.jobType, 'jobType');
  new URL(options.hubUrl);
  return new JobReporter({ ...options, jobId, jobType }, buildTransport(options));
}

function buildTransport(options: ResolvedOptions): Transport {
  const route = { hubUrl: options.hubUrl, apiBase: options.apiBase, jobType: options.jobType, jobId: options.jobId, token: options.token };
  const http = createHttpTransport({ ...route, requestTimeoutMs: options.requestTimeoutMs });
  if (options.transport === 'http') return http;
  const socket = createSocketTransport({ ...route, socketPath: options.socketPath, ackTimeoutMs: options.ackTimeoutMs, connectTimeoutMs: options.connectTimeoutMs });
  return options.fallbackToHttp ? createFallbackTransport(socket, http) : socket;
}

class JobReporter implements Reporter {
  readonly #options: ResolvedOptions;
  readonly #transport: Transport;
  readonly #cadence: CadenceOptions;
  readonly #rate: RateOptions;
  readonly #outbox: Outbox<TelemetryUpdate>;
  readonly #stats: ReporterStats = { queued: 0, acknowledged: 0, dropped: 0, retries: 0 };

  /** Sticky job-level fields, merged across reports. */
  #fields: ProgressFields = {};
  /** Speed, ETA and percent the caller gave in its newest report (not sticky). */
  #given: Pick<ProgressFields, 'transfer_speed_bps' | 'eta_seconds' | 'progress_percent'> = {};
  #disks = new Map<number, DiskProgress>();
  #stages: StageClock;
  /** Log lines not yet in an update, oldest first. */
  #pendingLog: LogEntryInput[] = [];
  #samples: ByteSample[] = [];
  #stateAtMs = 0;
  #lastStampMs = 0;
  #lastSent: SentMark | undefined;
  #held = false;
  #heldTimer: NodeJS.Timeout | undefined;

  #end: { status: TerminalStatus; seq: number; deferred: Deferred<EndResult> } | undefined;
  #endPromise: Promise<EndResult> | undefined;
  #pumping = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #sleep: { timer: NodeJS.Timeout; wake(): void } | undefined;
  #drainWaiters = new Set<() => void>();

  constructor(options: ResolvedOptions, transport: Transport) {
    this.#options = options;
    this.#transport = transport;
    this.#cadence = { intervalMs: options.intervalMs, milestonePercent: options.milestonePercent };
    this.#rate = { ...DEFAULT_RATE, windowMs: options.speedWindowMs };
    this.#outbox = new Outbox(options.queueCapacity);
    this.#stages = new StageClock(options.now());
  }

  stage(stage: BottleneckStage, ms: number): void {
    this.#stages.add(stage, ms);
  }

  report(progress: ProgressReport): void {
    try {
      if (this.#end !== undefined || this.#closed) {
        this.#log('warn', {}, 'report() after the job ended or the reporter closed is ignored');
        return;
      }
      if (progress.status !== undefined && isTerminalStatus(progress.status)) {
        // An end sent through report() still gets the end's delivery guarantees; nobody awaits it here.
        this.#finish(progress.status, progress).catch(() => {});
        return;
      }
      if (!this.#accept(progress)) return;
      const nowMs = this.#options.now();
      const reason = sendReason(this.#lastSent, this.#cadenceState(), nowMs, this.#cadence);
      if (reason === null) this.#hold(nowMs);
      else this.#enqueue(reason, nowMs);
    } catch (error) {
      this.#log('error', { err: error }, 'report() failed; the update is skipped');
    }
  }

  log(level: LogLevel, message: string): void {
    try {
      if (this.#end !== undefined || this.#closed) {
        this.#log('warn', {}, 'log() after the job ended or the reporter closed is ignored');
        return;
      }
      if (!(LOG_LEVELS as readonly string[]).includes(level)) {
        this.#log('warn', { level }, `log() level must be one of ${LOG_LEVELS.join(', ')}; the line is skipped`);
        return;
      }
      const text = String(message).slice(0, LIMITS.maxLogMessageLength) || '(empty)';
      this.#queueLog([{ level, message: text, at: this.#options.now() }]);
      // Sent with the next update: at the latest when the interval since the last one is up (before the first report, with it).
      this.#hold(this.#options.now());
    } catch (error) {
      this.#log('error', { err: error }, 'log() failed; the line is skipped');
    }
  }

  complete(final?: ProgressFields): Promise<EndResult> {
    return this.#finish('completed', final);
  }

  fail(error: Error | string, final?: ProgressFields): Promise<EndResult> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, LIMITS.maxErrorLength);
    return this.#finish('failed', { ...final, error: message || 'failed' });
  }

  cancel(final?: ProgressFields): Promise<EndResult> {
    return this.#finish('cancelled', final);
  }

  flush(timeoutMs = this.#options.closeTimeoutMs): Promise<boolean> {
    if (this.#outbox.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.#drainWaiters.delete(onDrain);
        resolve(value);
      };
      const onDrain = () => done(true);
      const timer = setTimeout(() => done(this.#outbox.size === 0), timeoutMs);
      this.#drainWaiters.add(onDrain);
    });
  }

  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#shutDown(options.timeoutMs ?? this.#options.closeTimeoutMs);
    return this.#closing;
  }

  stats(): ReporterStats {
    return { ...this.#stats, queued: this.#outbox.size };
  }

  // --- state ---------------------------------------------------------------------------------

  /** Validates a report with the contract's rules and merges it into the state. */
  #accept(input: ProgressFields): boolean {
    const progress = wholeBytes(input);
    try {
      validateUpdate(progress, { jobId: this.#options.jobId, jobType: this.#options.jobType, nowMs: this.#options.now() });
    } catch (error) {
      this.#stats.dropped += 1;
      this.#log('warn', { err: error }, 'invalid progress report is skipped');
      return false;
    }
    const { disks, transfer_speed_bps, eta_seconds, progress_percent, log, ...sticky } = progress;
    if (log?.length) this.#queueLog(log.map((line) => ({ ...line, at: line.at ?? this.#options.now() })));
    this.#fields = { ...this.#fields, ...withoutUndefined(sticky) };
    this.#given = withoutUndefined({ transfer_speed_bps, eta_seconds, progress_percent });
    this.#disks = mergeDisks(this.#disks, disks);
    if (disks !== undefined && disks.length > 0) {
      // Per-disk progress without job-level counts: the disk sums take over from older job-level ones.
      const totals = jobTotals(diskList(this.#disks));
      if (sticky.bytes_transferred === undefined && totals.bytes_transferred !== undefined) delete this.#fields.bytes_transferred;
      if (sticky.total_bytes === undefined && totals.total_bytes !== undefined) delete this.#fields.total_bytes;
    }
    this.#stateAtMs = this.#options.now();
    const bytes = this.#fields.bytes_transferred ?? jobTotals(diskList(this.#disks)).bytes_transferred;
    if (bytes !== undefined) this.#samples = addSample(this.#samples, { atMs: this.#stateAtMs, bytes }, this.#rate);
    return true;
  }

  #queueLog(lines: LogEntryInput[]): void {
    this.#pendingLog.push(...lines);
    const excess = this.#pendingLog.length - MAX_PENDING_LOG_LINES;
    if (excess > 0) {
      this.#pendingLog.splice(0, excess);
      this.#log('warn', { dropped: excess }, 'too many log lines waiting for the hub: the oldest are dropped');
    }
  }

  /** The full update for the newest state, stamped with when it was measured. */
  #snapshot(): TelemetryUpdate {
    const disks = diskList(this.#disks);
    const totals = jobTotals(disks);
    const bytes = this.#fields.bytes_transferred ?? totals.bytes_transferred;
    const total = this.#fields.total_bytes ?? totals.total_bytes;
    const speed = this.#given.transfer_speed_bps ?? speedBps(this.#samples, this.#rate);
    const update: TelemetryUpdate = {
      status: 'running',
      ...this.#fields,
      bytes_transferred: bytes,
      total_bytes: total,
      progress_percent: this.#given.progress_percent ?? percentOf(bytes, total),
      transfer_speed_bps: speed,
      eta_seconds: this.#given.eta_seconds ?? etaSeconds(bytes, total, speed),
      timestamp: this.#stateAtMs || this.#options.now(),
    };
    if (disks.length > 0) update.disks = disks;
    if (update.status === 'completed') update.eta_seconds = 0;
    const busy = this.#stages.busy(Number(update.timestamp));
    if (busy) update.bottleneck = busy;
    return withoutUndefined(update);
  }

  #cadenceState() {
    const snapshot = this.#snapshot();
    return { status: snapshot.status, phase: snapshot.current_phase, progressPercent: snapshot.progress_percent };
  }

  // --- cadence -------------------------------------------------------------------------------

  #enqueue(reason: SendReason, nowMs: number): OutboxEntry<TelemetryUpdate> {
    const body = this.#snapshot();
    if (this.#pendingLog.length > 0) body.log = this.#pendingLog.splice(0, LIMITS.maxLogEntries);
    // The hub ignores an update stamped no later than the last one it applied: keep stamps strictly rising.
    const stamp = Math.max(Number(body.timestamp), this.#lastStampMs + 1);
    body.timestamp = stamp;
    this.#lastStampMs = stamp;
    this.#stages.restart(stamp);
    // An update carrying log lines is not a plain state: the queue drops it only after those.
    const kind: EntryKind = reason === 'end' ? 'end' : reason === 'interval' && !body.log ? 'state' : 'milestone';
    const { entry, dropped } = this.#outbox.push(kind, body);
    for (const lost of dropped) {
      this.#stats.dropped += 1;
      this.#log('warn', { kind: lost.kind, timestamp: lost.body.timestamp, queued: this.#outbox.size }, 'queue full: oldest update dropped');
    }
    this.#lastSent = markSent(this.#lastSent, { status: body.status, phase: body.current_phase, progressPercent: body.progress_percent }, nowMs, this.#cadence);
    this.#held = false;
    clearTimeout(this.#heldTimer);
    this.#heldTimer = undefined;
    void this.#pump();
    return entry;
  }

  /** Keeps the newest state and sends it when the interval is up, unless something sends it sooner. */
  #hold(nowMs: number): void {
    this.#held = true;
    if (this.#heldTimer !== undefined || this.#lastSent === undefined) return;
    this.#heldTimer = setTimeout(() => {
      this.#heldTimer = undefined;
      if (this.#held && this.#end === undefined && !this.#closed) this.#enqueue('interval', this.#options.now());
    }, Math.max(0, dueAtMs(this.#lastSent, this.#cadence) - nowMs));
  }

  #finish(status: TerminalStatus, final: ProgressFields | undefined): Promise<EndResult> {
    if (this.#endPromise !== undefined) {
      if (this.#end?.status !== status) this.#log('warn', { status, ended_as: this.#end?.status }, 'job already ended; the second end is ignored');
      return this.#endPromise;
    }
    if (this.#closed) return Promise.reject(new ReporterError('closed', 'reporter is closed', { retryable: false }));
    if (final !== undefined && Object.keys(final).length > 0) {
      if (!this.#accept(final)) {
        this.#log('warn', { status }, 'final fields are invalid; ending with the last valid state');
      }
    } else {
      this.#stateAtMs = this.#options.now();
    }
    // Lines beyond the end's own ten go first, in updates of their own.
    while (this.#pendingLog.length > LIMITS.maxLogEntries) this.#enqueue('milestone', this.#options.now());
    this.#fields.status = status as JobStatus;
    const deferred = createDeferred<EndResult>();
    const entry = this.#enqueue('end', this.#options.now());
    this.#end = { status, seq: entry.seq, deferred };
    this.#endPromise = withTimeout(deferred.promise, this.#options.endTimeoutMs, () => new ReporterError(
      'end_timeout',
      `the hub did not acknowledge the ${status} end of job ${this.#options.jobId} within ${this.#options.endTimeoutMs} ms (still retrying until close())`,
      { retryable: true, cause: this.#stats.lastError },
    ));
    return this.#endPromise;
  }

  // --- delivery ------------------------------------------------------------------------------

  /** Sends the queue in order, one update at a time, retrying with backoff until acknowledged. */
  async #pump(): Promise<void> {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    let attempt = 0;
    try {
      for (let entry = this.#outbox.peek(); entry !== undefined && !this.#closed; entry = this.#outbox.peek()) {
        this.#outbox.setBusy(entry);
        try {
          const receipt = await this.#transport.send(entry.body);
          this.#outbox.remove(entry);
          attempt = 0;
          this.#stats.acknowledged += 1;
          if (this.#end?.seq === entry.seq) this.#end.deferred.resolve({ status: this.#end.status, applied: receipt.applied, transport: receipt.transport });
        } catch (raw) {
          this.#outbox.setBusy(undefined);
          if (this.#closed) break;
          const error = raw instanceof ReporterError ? raw : new ReporterError('network_error', String(raw), { retryable: true, cause: raw });
          this.#stats.lastError = { code: error.code, message: error.message, status: error.status };
          attempt += 1;
          const limited = error.status === 500 || error.code === 'invalid_response';
          if (!error.retryable || (limited && attempt >= this.#options.maxServerErrorAttempts)) {
            this.#giveUp(entry, error);
            attempt = 0;
            continue;
          }
          this.#stats.retries += 1;
          const delayMs = backoffDelayMs(attempt, this.#options.retry, this.#options.random, error.retryAfterMs);
          this.#log(attempt === 1 ? 'warn' : 'debug', { code: error.code, status: error.status, attempt, delay_ms: delayMs }, `delivery failed, retrying: ${error.message}`);
          await this.#wait(delayMs);
        }
      }
    } finally {
      this.#pumping = false;
    }
    if (this.#outbox.size === 0) for (const waiter of [...this.#drainWaiters]) waiter();
  }

  #giveUp(entry: OutboxEntry<TelemetryUpdate>, error: ReporterError): void {
    this.#outbox.remove(entry);
    this.#stats.dropped += 1;
    this.#log('error', { code: error.code, status: error.status, field: error.field, kind: entry.kind }, `hub refused an update, not retrying: ${error.message}`);
    if (this.#end?.seq === entry.seq) this.#end.deferred.reject(error);
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleep = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleep = { timer, wake };
    });
  }

  async #shutDown(timeoutMs: number): Promise<void> {
    if (this.#held && this.#end === undefined) this.#enqueue('interval', this.#options.now());
    if (timeoutMs > 0) await this.flush(timeoutMs);
    this.#closed = true;
    clearTimeout(this.#heldTimer);
    this.#sleep?.wake();
    await this.#transport.close();
    const undelivered = this.#outbox.clear();
    if (undelivered.length > 0) this.#log('warn', { undelivered: undelivered.length }, 'reporter closed with updates the hub never acknowledged');
    this.#end?.deferred.reject(new ReporterError('closed', 'reporter closed before the hub acknowledged the end of the job', { retryable: false }));
    for (const waiter of [...this.#drainWaiters]) waiter();
  }

  #log(level: keyof Logger, fields: object, message: string): void {
    try {
      this.#options.logger[level]?.({ job_id: this.#options.jobId, job_type: this.#options.jobType, ...fields }, message);
    } catch {
      // A broken logger must not break delivery.
    }
  }
}

function createDeferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Settles like `promise`, or rejects with `onTimeout()` after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(onTimeout()), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Byte counts are whole numbers on the wire; a caller's `total / 8` should not cost it an update. */
function wholeBytes(progress: ProgressFields): ProgressFields {
  const round = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) ? Math.round(n) : n);
  const out: ProgressFields = { ...progress };
  if (progress.bytes_transferred !== undefined) out.bytes_transferred = round(progress.bytes_transferred);
  if (progress.total_bytes !== undefined) out.total_bytes = round(progress.total_bytes);
  if (Array.isArray(progress.disks)) {
    out.disks = progress.disks.map((d) => ({ ...d, bytes_transferred: round(d.bytes_transferred), total_bytes: round(d.total_bytes) }));
  }
  return out;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
