import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerFleetSeries, type FleetSeriesSource } from './fleet/prometheus.js';

/**
 * Prometheus metrics of one plugin instance, in its own registry (no global state): serve
 * `plugin.metrics.registry.metrics()` at `/metrics`, or merge the registry into the host's.
 */
export class TelemetryMetrics {
  readonly registry = new Registry();
  private readonly updates = new Counter({ name: 'bt_telemetry_updates_total', help: 'Telemetry updates by result (applied, not_applied, rejected) and reason code', labelNames: ['result', 'reason'] as const, registers: [this.registry] });
  private readonly latency = new Histogram({ name: 'bt_ingest_latency_seconds', help: 'Time from receiving an update to its commit', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry] });
  private readonly batch = new Histogram({ name: 'bt_ingest_batch_updates', help: 'Updates committed together in one transaction', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500], registers: [this.registry] });
  private readonly conflicts = new Counter({ name: 'bt_ingest_version_conflicts_total', help: 'Groups written without locking that found a job changed elsewhere (another instance, the stale detector) and were retried locking their jobs', registers: [this.registry] });
  private readonly staleWarnings = new Counter({ name: 'bt_stale_warnings_total', help: 'job:stale warnings published', registers: [this.registry] });
  private readonly staleFailures = new Counter({ name: 'bt_jobs_failed_stale_total', help: 'Jobs marked failed because they went silent', registers: [this.registry] });
  private readonly outages = new Counter({ name: 'bt_database_outages_recorded_total', help: 'Database outages this instance saw end and recorded; the stale detector counts silence from their end', registers: [this.registry] });
  private readonly jobsEnded = new Counter({ name: 'bt_jobs_ended_total', help: 'Jobs this instance ended (client end, cancel, stale failure) by job type and outcome; sum over instances for the fleet', labelNames: ['job_type', 'status'] as const, registers: [this.registry] });
  private readonly jobsWithWarnings = new Counter({ name: 'bt_jobs_completed_with_warnings_total', help: 'Of the completed jobs in bt_jobs_ended_total, those that completed with warnings (warnings_count above 0)', labelNames: ['job_type'] as const, registers: [this.registry] });
  private readonly jobDuration = new Histogram({ name: 'bt_job_duration_seconds', help: 'Duration of jobs this instance ended, start to end', labelNames: ['job_type', 'status'] as const, buckets: [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400], registers: [this.registry] });
  private readonly jobSize = new Histogram({ name: 'bt_job_size_bytes', help: 'Bytes transferred by jobs this instance ended', labelNames: ['job_type', 'status'] as const, buckets: [2 ** 20, 2 ** 24, 2 ** 27, 2 ** 30, 2 ** 32, 2 ** 34, 2 ** 36, 2 ** 38, 2 ** 40, 2 ** 42], registers: [this.registry] });
  private readonly protectionChanges = new Counter({ name: 'bt_machine_protection_changes_total', help: 'machine:at_risk (status at_risk) and machine:protected (status protected or warning) events this instance published', labelNames: ['status'] as const, registers: [this.registry] });
  private readonly notifyDeliveries = new Counter({ name: 'bt_notify_deliveries_total', help: 'Webhook attempts this instance made, by result: delivered, retried (will be tried again), failed (given up after 24 h), gone (410)', labelNames: ['result'] as const, registers: [this.registry] });
  private readonly anomalies = new Counter({ name: 'bt_job_anomalies_total', help: 'Anomalies found on jobs this instance completed, against each VM\'s own history, by metric and severity', labelNames: ['metric', 'severity'] as const, registers: [this.registry] });
  private readonly rollup = new Histogram({ name: 'bt_rollup_duration_seconds', help: 'Time to roll an ended job up (read, compute, delete snapshots)', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry] });

  constructor(gauges: { runningJobs(): Promise<number>; viewers(): number }, fleet?: FleetSeriesSource) {
    if (fleet) registerFleetSeries(this.registry, fleet);
    new Gauge({ name: 'bt_running_jobs', help: 'Jobs currently running', registers: [this.registry], async collect() { this.set(await gauges.runningJobs()); } });
    new Gauge({ name: 'bt_socket_viewers', help: 'Sockets connected to the telemetry namespace', registers: [this.registry], collect() { this.set(gauges.viewers()); } });
  }

  accepted(applied: boolean, seconds: number): void {
    this.updates.inc({ result: applied ? 'applied' : 'not_applied', reason: 'ok' });
    this.latency.observe(seconds);
  }

  private readonly counted = new WeakSet<object>();

  /** Counts a refused update once, however many layers see the same error. */
  rejected(code: string, error?: unknown): void {
    if (error && typeof error === 'object') {
      if (this.counted.has(error)) return;
      this.counted.add(error);
    }
    this.updates.inc({ result: 'rejected', reason: code });
  }

  committed(updates: number): void {
    this.batch.observe(updates);
  }

  versionConflict(): void {
    this.conflicts.inc();
  }

  staleWarned(): void {
    this.staleWarnings.inc();
  }

  staleFailed(): void {
    this.staleFailures.inc();
  }

  outageRecorded(): void {
    this.outages.inc();
  }

  /** A job ended and its end committed (counted once, by the instance that committed it). */
  jobEnded(job: { job_type: string; status: string; bytes_transferred: number; warnings_count: number }, durationSeconds: number): void {
    const labels = { job_type: job.job_type, status: job.status };
    this.jobsEnded.inc(labels);
    if (job.status === 'completed' && job.warnings_count > 0) this.jobsWithWarnings.inc({ job_type: job.job_type });
    this.jobDuration.observe(labels, Math.max(0, durationSeconds));
    this.jobSize.observe(labels, job.bytes_transferred);
  }

  protectionChanged(status: string): void {
    this.protectionChanges.inc({ status });
  }

  notifyResult(result: 'delivered' | 'retried' | 'failed' | 'gone'): void {
    this.notifyDeliveries.inc({ result });
  }

  /** Webhook queue gauges, read from the store (one query shared by both, cached `cacheMs` like the per-VM series): the same from every instance. */
  watchNotifyQueue(read: () => Promise<{ depth: number; oldest_seconds: number }>, cacheMs: number): void {
    let pending: { at: number; value: Promise<{ depth: number; oldest_seconds: number }> } | null = null;
    const once = () => {
      if (!pending || Date.now() - pending.at > cacheMs) pending = { at: Date.now(), value: read().catch((error) => { pending = null; throw error; }) };
      return pending.value;
    };
    new Gauge({ name: 'bt_notify_queue_depth', help: 'Webhook deliveries pending (due now or waiting to be retried)', registers: [this.registry], async collect() { this.set((await once()).depth); } });
    new Gauge({ name: 'bt_notify_oldest_undelivered_seconds', help: 'Age of the event of the oldest pending webhook delivery; 0 when none is pending', registers: [this.registry], async collect() { this.set((await once()).oldest_seconds); } });
  }

  anomaliesFound(found: readonly { metric: string; severity: string }[]): void {
    for (const a of found) this.anomalies.inc({ metric: a.metric, severity: a.severity });
  }

  rolledUp(seconds: number): void {
    this.rollup.observe(seconds);
  }
}
