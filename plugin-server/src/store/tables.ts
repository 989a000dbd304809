/** Table names of one plugin instance, honouring its prefix. */
export interface Tables {
  jobs: string;
  disks: string;
  snapshots: string;
  machines: string;
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
    migrations: `${prefix}telemetry_migrations`,
  };
}
