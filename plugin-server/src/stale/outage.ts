import type { Logger } from '../logger.js';
import type { TelemetryMetrics } from '../metrics.js';
import type { Store } from '../store/index.js';

/**
 * What one hub instance knows of the database being unreachable: from the first time it failed to
 * reach it (ingest refused with 503, a stale pass whose query failed) until it has recorded the
 * outage's end in the row every instance's stale detector reads (store/outages.ts). Memory holds
 * only the outage not yet recorded; the decision is the database's.
 */
export class DatabaseOutage {
  private startedAt: number | null = null;
  /** Failures noted so far: one noted while the end is being written begins a new outage. */
  private failures = 0;
  private recording: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly metrics: TelemetryMetrics,
    private readonly now: () => number,
  ) {}

  /** An outage seen and not yet recorded. */
  get unrecorded(): boolean {
    return this.startedAt !== null;
  }

  noteUnreachable(): void {
    this.failures += 1;
    this.startedAt ??= this.now();
  }

  /**
   * After this instance reached the database: records the end of the outage it saw, if any (now).
   * Rejects if the database cannot take the write, the outage then staying unrecorded.
   */
  recordEnd(): Promise<void> {
    if (this.startedAt === null) return Promise.resolve();
    this.recording ??= this.write().finally(() => { this.recording = null; });
    return this.recording;
  }

  private async write(): Promise<void> {
    const started_at = this.startedAt!;
    const failures = this.failures;
    const ended_at = this.now();
    await this.store.outages.record(this.store.knex, { started_at, ended_at });
    this.startedAt = this.failures === failures ? null : ended_at;
    this.metrics.outageRecorded();
    this.logger.warn({ outage_started_at: new Date(started_at).toISOString(), outage_seconds: Math.round((ended_at - started_at) / 1000) },
      'the database is reachable again: stale jobs are counted from now');
  }
}
