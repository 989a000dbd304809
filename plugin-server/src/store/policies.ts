import type { Knex } from 'knex';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

/** A VM's own policy (`machine_policies`, migration 008); epoch ms times. */
export interface PolicyRow {
  vm_name: string;
  /** null: not monitored. */
  rpo_hours: number | null;
  grace_minutes: number;
  schedule_cron: string | null;
  schedule_tz: string | null;
  /** The time `next_expected_at` was computed after (the VM's newest success, or first sighting). */
  schedule_basis_at: number | null;
  /** First scheduled run after the basis. */
  next_expected_at: number | null;
  updated_at: number;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function policyFromDb(raw: Record<string, unknown>): PolicyRow {
  return {
    vm_name: String(raw.vm_name),
    rpo_hours: num(raw.rpo_hours),
    grace_minutes: Number(raw.grace_minutes),
    schedule_cron: (raw.schedule_cron as string | null) ?? null,
    schedule_tz: (raw.schedule_tz as string | null) ?? null,
    schedule_basis_at: num(raw.schedule_basis_at),
    next_expected_at: num(raw.next_expected_at),
    updated_at: Number(raw.updated_at),
  };
}

export function policyQueries(tables: Tables) {
  const { policies } = tables;
  return {
    async find(db: Db, vmName: string): Promise<PolicyRow | null> {
      const raw = await db(policies).where({ vm_name: vmName }).first();
      return raw ? policyFromDb(raw) : null;
    },
    async findMany(db: Db, vmNames: readonly string[]): Promise<Map<string, PolicyRow>> {
      const out = new Map<string, PolicyRow>();
      if (vmNames.length === 0) return out;
      for (const raw of await db(policies).whereIn('vm_name', vmNames)) {
        const row = policyFromDb(raw);
        out.set(row.vm_name, row);
      }
      return out;
    },
    async all(db: Db): Promise<Map<string, PolicyRow>> {
      return new Map((await db(policies).select('*')).map((raw: Record<string, unknown>) => [String(raw.vm_name), policyFromDb(raw)]));
    },
    /** Replaces the VM's policy. */
    async upsert(db: Db, row: PolicyRow): Promise<void> {
      await db(policies).insert(row).onConflict('vm_name').merge();
    },
  };
}

export type PolicyQueries = ReturnType<typeof policyQueries>;
