import type { Knex } from 'knex';
import { snapshotFromDb, type SnapshotRow } from './rows.js';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

export const SNAPSHOT_COLUMNS: readonly (keyof SnapshotRow)[] = [
  'job_id', 'job_type', 'timestamp', 'bytes_transferred', 'total_bytes', 'transfer_speed_bps', 'progress_percent', 'current_phase', 'stage_busy',
];

/** Rows per INSERT: keeps statements well under MySQL's packet and SQLite's variable limits. */
export const INSERT_CHUNK = 500;

export function snapshotQueries(tables: Tables) {
  const { snapshots } = tables;
  return {
    async insert(trx: Knex.Transaction, rows: SnapshotRow[]): Promise<void> {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx(snapshots).insert(rows.slice(i, i + INSERT_CHUNK));
    },

    async ofJob(db: Db, jobId: string): Promise<SnapshotRow[]> {
      const rows = await db(snapshots)
        .select(...SNAPSHOT_COLUMNS)
        .where('job_id', jobId)
        .orderBy('timestamp');
      return rows.map(snapshotFromDb);
    },

    async deleteOfJob(trx: Knex.Transaction, jobId: string): Promise<number> {
      return trx(snapshots).where('job_id', jobId).delete();
    },
  };
}

export type SnapshotQueries = ReturnType<typeof snapshotQueries>;
