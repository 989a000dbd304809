/** Table names of one plugin instance, honouring its prefix. */
export interface Tables {
  jobs: string;
  disks: string;
  snapshots: string;
  machines: string;
  /** The latest database outage an instance recorded (migration 006). */
  outages: string;
  /** Per VM and per VM and repository: what fleet reads need, kept where jobs end (migration 007). */
  machineSummaries: string;
  repositorySummaries: string;
  /** A VM's own RPO policy and schedule; the at-risk sweep's state is on the machine summary (migration 008). */
  policies: string;
  /** Jobs ended per 10 minutes, job type and outcome (migration 008). */
  outcomeBuckets: string;
  /** Webhook endpoints, the outbox of events and one delivery row per event and endpoint (migration 009). */
  notificationEndpoints: string;
  notificationEvents: string;
  notificationDeliveries: string;
  /** When each at-risk VM was last reminded about (migration 009). */
  notificationReminders: string;
  /** A job's session log (migration 010). */
  jobLog: string;
  migrations: string;
  prefix: string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_]{0,24}$/;

export function tableNames(prefix = ''): Tables {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error(`tablePrefix must be at most 24 letters, digits or _ (got ${JSON.stringify(prefix)})`);
  return {
    prefix,
    jobs: `${prefix}backup_jobs`,
    disks: `${prefix}backup_disks`,
    snapshots: `${prefix}job_telemetry_snapshots`,
    machines: `${prefix}backup_machines`,
    outages: `${prefix}telemetry_outages`,
    machineSummaries: `${prefix}machine_summaries`,
    repositorySummaries: `${prefix}machine_repository_summaries`,
    policies: `${prefix}machine_policies`,
    outcomeBuckets: `${prefix}job_outcome_buckets`,
    notificationEndpoints: `${prefix}notification_endpoints`,
    notificationEvents: `${prefix}notification_events`,
    notificationDeliveries: `${prefix}notification_deliveries`,
    notificationReminders: `${prefix}notification_reminders`,
    jobLog: `${prefix}job_log_entries`,
    migrations: `${prefix}telemetry_migrations`,
  };
}

/** The CHECK (`row_version >= 0`, migration 003) that refuses an ingest write to a job another writer changed. */
export const rowVersionCheck = (tables: Tables) => `${tables.prefix}jobs_row_version`;
