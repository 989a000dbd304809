import type { Knex } from 'knex';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

/** An outage of the database as one hub instance saw it, on the hub clock (epoch ms). */
export interface Outage {
  started_at: number;
  ended_at: number;
}

/** The one row of `telemetry_outages` (migration 006): the latest database outage any instance recorded. */
export function outageQueries(tables: Tables) {
  const { outages } = tables;
  return {
    /** The latest recorded outage, or null if none was ever recorded. */
    async latest(db: Db): Promise<Outage | null> {
      const row = await db(outages).where({ id: 1 }).first('started_at', 'ended_at');
      const ended_at = Number(row?.ended_at ?? 0);
      return ended_at > 0 ? { started_at: Number(row.started_at), ended_at } : null;
    },

    /** Records an outage's end unless a later one is recorded already (instances may record out of order). */
    async record(db: Db, outage: Outage): Promise<boolean> {
      const changed = await db(outages).where({ id: 1 }).andWhere('ended_at', '<', outage.ended_at).update(outage);
      return changed === 1;
    },

  };
}

export type OutageQueries = ReturnType<typeof outageQueries>;
