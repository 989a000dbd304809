import type { Knex } from 'knex';
import { isMysql, isPostgres } from './dialect.js';
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

/** Rows an UPDATE changed: mysql2 answers `[{affectedRows}]`, pg `{rowCount}`, better-sqlite3 `{changes}`. */
function affectedRows(result: unknown): number {
  const r = (Array.isArray(result) ? result[0] : result) as { affectedRows?: number; changes?: number; rowCount?: number } | undefined;
  return Number(r?.affectedRows ?? r?.changes ?? r?.rowCount ?? 0);
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

/** A scheduled VM whose schedule was computed for another basis than its current one (the sweep recomputes it). */
export interface StaleSchedule {
  vm_name: string;
  schedule_cron: string;
  schedule_tz: string | null;
  old_basis_at: number | null;
  basis_at: number;
}

export function policyQueries(tables: Tables) {
  const { policies, machines, machineSummaries } = tables;
  /** INSERT that leaves an existing row alone (the `ensureRow` idea of fleet/summary-sql.ts). */
  const insertIfMissing = (db: Db, table: string, row: Record<string, string | number>) => {
    const columns = Object.keys(row);
    const conflict = isMysql(db as Knex) ? ' ON DUPLICATE KEY UPDATE vm_name = vm_name' : ' ON CONFLICT DO NOTHING';
    return db.raw(`INSERT INTO ?? (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${conflict}`, [table, ...Object.values(row)]);
  };
  return {
    async find(db: Db, vmName: string): Promise<PolicyRow | null> {
      const raw = await db(policies).where({ vm_name: vmName }).first();
      return raw ? policyFromDb(raw) : null;
    },
    /** Replaces the VM's policy. */
    async upsert(db: Db, row: PolicyRow): Promise<void> {
      await db(policies).insert(row).onConflict('vm_name').merge();
    },
    /** Removes the VM's own policy (the default applies again); true when it had one. */
    async remove(db: Db, vmName: string): Promise<boolean> {
      return (await db(policies).where({ vm_name: vmName }).delete()) > 0;
    },
    /**
     * Makes a VM known before any job: a `backup_machines` row (no facts) and a summary row first
     * seen now, each only if missing, so a declared but silent VM is listed and can turn at risk.
     */
    async declareMachine(db: Db, vmName: string, nowMs: number): Promise<void> {
      await insertIfMissing(db, machines, { vm_name: vmName, updated_at: nowMs });
      await insertIfMissing(db, machineSummaries, { vm_name: vmName, first_seen_at: nowMs });
    },
    /** The time a VM's schedule counts from: its newest success, else its first sighting; null when unknown. */
    async basisOf(db: Db, vmName: string): Promise<number | null> {
      const raw = await db(machineSummaries).select('first_seen_at', 'last_success_at').where({ vm_name: vmName }).first();
      return raw ? Number(raw.last_success_at ?? raw.first_seen_at) : null;
    },
    /** Scheduled VMs whose `next_expected_at` was computed for an older basis (or never). */
    async staleSchedules(db: Db): Promise<StaleSchedule[]> {
      const rows = await db(`${policies} as p`).join(`${machineSummaries} as s`, 's.vm_name', 'p.vm_name')
        .select('p.vm_name', 'p.schedule_cron', 'p.schedule_tz', 'p.schedule_basis_at', db.raw('COALESCE(s.last_success_at, s.first_seen_at) AS basis_at'))
        .whereNotNull('p.schedule_cron')
        .where((q) => q.whereNull('p.schedule_basis_at').orWhereRaw('p.schedule_basis_at <> COALESCE(s.last_success_at, s.first_seen_at)'))
        .orderBy('p.vm_name');
      return rows.map((r: Record<string, unknown>) => ({
        vm_name: String(r.vm_name), schedule_cron: String(r.schedule_cron), schedule_tz: (r.schedule_tz as string | null) ?? null,
        old_basis_at: num(r.schedule_basis_at), basis_at: Number(r.basis_at),
      }));
    },
    /**
     * Records the sweep's verdict on a VM (`machine_summaries.protection_state`) only if it is still
     * `from` (null: never recorded): true when this call changed the row, i.e. this instance reports it.
     */
    async recordState(db: Db, vmName: string, from: string | null, to: string, nowMs: number): Promise<boolean> {
      const q = db(machineSummaries).where({ vm_name: vmName });
      if (from === null) q.whereNull('protection_state');
      else q.where('protection_state', from);
      return (await q.update({ protection_state: to, protection_changed_at: nowMs })) > 0;
    },
    /**
     * Stores recomputed next runs in one UPDATE, each row only if no one changed its schedule or basis
     * meanwhile (a PUT, another instance): returns how many rows this call moved.
     */
    async moveSchedules(db: Db, moves: readonly { schedule: StaleSchedule; next_expected_at: number | null }[]): Promise<number> {
      if (moves.length === 0) return 0;
      const bindings: (string | number | null)[] = [policies];
      // PostgreSQL types an untyped parameter of a CASE as text, which a bigint column refuses.
      const then = isPostgres(db as Knex) ? 'WHEN ? THEN CAST(? AS BIGINT)' : 'WHEN ? THEN ?';
      const set = (column: 'basis_at' | 'next_expected_at') => `CASE vm_name ${moves.map((m) => {
        bindings.push(m.schedule.vm_name, column === 'basis_at' ? m.schedule.basis_at : m.next_expected_at);
        return then;
      }).join(' ')} END`;
      const sql = `UPDATE ?? SET schedule_basis_at = ${set('basis_at')}, next_expected_at = ${set('next_expected_at')} WHERE ${moves.map(({ schedule: s }) => {
        bindings.push(s.vm_name, s.schedule_cron);
        const basis = s.old_basis_at === null ? 'schedule_basis_at IS NULL' : (bindings.push(s.old_basis_at), 'schedule_basis_at = ?');
        const tz = s.schedule_tz === null ? 'schedule_tz IS NULL' : (bindings.push(s.schedule_tz), 'schedule_tz = ?');
        return `(vm_name = ? AND schedule_cron = ? AND ${basis} AND ${tz})`;
      }).join(' OR ')}`;
      const result = await db.raw(sql, bindings);
      return affectedRows(result);
    },
  };
}

export type PolicyQueries = ReturnType<typeof policyQueries>;
