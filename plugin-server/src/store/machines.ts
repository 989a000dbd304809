import type { Knex } from 'knex';
import type { MachineInfo } from '@backup-telemetry/contract';
import { readJson, writeJson } from './dialect.js';
import type { MachineRow } from './rows.js';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

function machineFromDb(raw: Record<string, unknown>): MachineRow {
  return {
    vm_name: String(raw.vm_name),
    cpu_count: raw.cpu_count === null ? null : Number(raw.cpu_count),
    memory_bytes: raw.memory_bytes === null ? null : Number(raw.memory_bytes),
    os: (raw.os as string | null) ?? null,
    disks: readJson(raw.disks),
    updated_at: Number(raw.updated_at),
  };
}

export function machineQueries(tables: Tables) {
  const { machines } = tables;
  const upsertMany = async (db: Db, entries: readonly { vm_name: string; info: MachineInfo | undefined; at: number }[]): Promise<void> => {
    const groups = new Map<string, { merge: string[]; rows: Record<string, unknown>[] }>();
    for (const { vm_name, info, at } of entries) {
      const merge = ['updated_at', ...(['cpu_count', 'memory_bytes', 'os', 'disks'] as const).filter((k) => info?.[k] !== undefined)];
      const row = {
        vm_name,
        cpu_count: info?.cpu_count ?? null,
        memory_bytes: info?.memory_bytes ?? null,
        os: info?.os ?? null,
        disks: writeJson(info?.disks ?? null),
        updated_at: at,
      };
      const group = groups.get(merge.join());
      if (group) group.rows.push(row);
      else groups.set(merge.join(), { merge, rows: [row] });
    }
    for (const { merge, rows } of groups.values()) await db(machines).insert(rows).onConflict('vm_name').merge(merge);
  };
  return {
    /** Records a VM; facts given in `info` replace the stored ones, missing facts are kept. */
    async upsert(db: Db, vmName: string, info: MachineInfo | undefined, nowMs: number): Promise<void> {
      await upsertMany(db, [{ vm_name: vmName, info, at: nowMs }]);
    },

    /** Records several VMs as `upsert` does, one statement per set of facts given (a history import). */
    upsertMany,

    async find(db: Db, vmName: string): Promise<MachineRow | null> {
      const raw = await db(machines).where({ vm_name: vmName }).first();
      return raw ? machineFromDb(raw) : null;
    },
  };
}

export type MachineQueries = ReturnType<typeof machineQueries>;
