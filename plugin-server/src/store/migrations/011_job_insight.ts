import type { Migration } from './index.js';

/**
 * Job insight (README, "Job insight"):
 * - `backup_jobs.anomalies`: what a completed job's end found against its VM's own history
 *   (`JobAnomaly[]` as JSON, a few hundred bytes), written by the end's transaction only when it
 *   found something (NULL: nothing found, or not judged); job writes never carry it otherwise.
 * - an index on (vm_name, job_type, backup_type, completed_at): the end of a job reads its VM's last
 *   completed jobs of that type, newest first, as one short index range.
 * - `job_telemetry_snapshots.stage_busy`: how busy the source, proxy, network and target were over
 *   the interval before the snapshot, `"s,p,n,t"` in percent (NULL: the client did not say); only
 *   a batch with such a snapshot writes the column.
 */
export const jobInsight: Migration = {
  name: '011_job_insight',
  async up(knex, t) {
    await knex.schema.alterTable(t.jobs, (table) => {
      table.json('anomalies').nullable().comment('JobAnomaly[] found when the job ended; NULL: nothing found or not judged');
      table.index(['vm_name', 'job_type', 'backup_type', 'completed_at'], `${t.prefix}jobs_vm_type_completed`);
    });
    await knex.schema.alterTable(t.snapshots, (table) => {
      table.string('stage_busy', 32).nullable().comment('busy percent of source,proxy,network,target over the last interval');
    });
  },
  async down(knex, t) {
    await knex.schema.alterTable(t.snapshots, (table) => {
      table.dropColumn('stage_busy');
    });
    await knex.schema.alterTable(t.jobs, (table) => {
      table.dropIndex(['vm_name', 'job_type', 'backup_type', 'completed_at'], `${t.prefix}jobs_vm_type_completed`);
    });
    await knex.schema.alterTable(t.jobs, (table) => {
      table.dropColumn('anomalies');
    });
  },
};
