import type { Knex } from 'knex';
import { snapshotFromDb, type SnapshotRow } from './rows.js';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

export const SNAPSHOT_COLUMNS: readonly (keyof SnapshotRow)[] = [
  'job_id', 'job_type', 'timestamp', 'bytes_transferred', 'total_bytes', 'transfer_speed_bps', 'progress_percent', 'current_phase',
];
/**
 * With the stage busy percents (migration 011): read always, written only by a batch in which some
 * snapshot carries them, so a batch without any writes exactly what it wrote before.
 */
export const SNAPSHOT_COLUMNS_WITH_BUSY: readonly (keyof SnapshotRow)[] = [...SNAPSHOT_COLUMNS, 'stage_busy'];

/** Rows per INSERT: keeps statements well under MySQL's packet and SQLite's variable limits. */
export const INSERT_CHUNK = 500;

/** Every row with the same columns (knex would fill a missing one with DEFAULT, which SQLite refuses): `stage_busy` for all when one has it, else for none. */
function sameColumns(rows: SnapshotRow[]): SnapshotRow[] {
  const busy = rows.some((r) => r.stage_busy);
  return rows.map(({ stage_busy, ...row }) => (busy ? { ...row, stage_busy: stage_busy ?? null } : row));
}

export function snapshotQueries(tables: Tables) {
  const { snapshots } = tables;
  return {
    async insert(trx: Knex.Transaction, rows: SnapshotRow[]): Promise<void> {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx(snapshots).insert(sameColumns(rows.slice(i, i + INSERT_CHUNK)));
    },

    async ofJob(db: Db, jobId: string): Promise<SnapshotRow[]> {
      const rows = await db(snapshots)
        .select(...SNAPSHOT_COLUMNS_WITH_BUSY)
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
