import type { Knex } from 'knex';
import type { Tables } from '../store/tables.js';

/**
 * An alert's life beyond its first message: reminders while a VM stays at risk. The at-risk sweep
 * (protection/) records each VM's state on its machine summary (`protection_state`,
 * `protection_changed_at`) and sends `machine.at_risk` / `machine.protected` when it changes; while
 * the state stays `at_risk`, a reminder (`machine.at_risk` with `data.reminder: true`) goes out every
 * `atRiskReminderHours`, once whatever the number of instances.
 */

/** Whether a VM at risk since `changedAt`, last reminded at `remindedAt` (null: never), is due a reminder (pure). */
export function reminderDue(changedAt: number, remindedAt: number | null, nowMs: number, everyMs: number): boolean {
  if (everyMs <= 0) return false;
  return nowMs - Math.max(changedAt, remindedAt ?? changedAt) >= everyMs;
}

export interface ReminderCandidate {
  vm_name: string;
  at_risk_since: number;
}

export function reminderQueries(tables: Tables, mysql: boolean) {
  const r = tables.notificationReminders;
  return {
    /** VMs still at risk and due a reminder, at most `limit`. */
    async due(db: Knex, nowMs: number, everyMs: number, limit: number): Promise<ReminderCandidate[]> {
      const cutoff = nowMs - everyMs;
      const rows = await db(`${tables.machineSummaries} as s`)
        .leftJoin(`${r} as r`, 'r.vm_name', 's.vm_name')
        .where('s.protection_state', 'at_risk').where('s.protection_changed_at', '<=', cutoff)
        .where((w) => w.whereNull('r.reminded_at').orWhere('r.reminded_at', '<=', cutoff))
        .select('s.vm_name', 's.protection_changed_at').orderBy('s.vm_name').limit(limit);
      return rows.map((row: Record<string, unknown>) => ({ vm_name: String(row.vm_name), at_risk_since: Number(row.protection_changed_at) }));
    },
    /**
     * The VM's reminder row, created if missing, outside any transaction: two transactions that both
     * inserted it and then updated it would deadlock on InnoDB's locks of the duplicate key.
     */
    async ensure(db: Knex, vmName: string): Promise<void> {
      const ignore = mysql ? 'INSERT IGNORE INTO ?? (vm_name, reminded_at) VALUES (?, 0)' : 'INSERT INTO ?? (vm_name, reminded_at) VALUES (?, 0) ON CONFLICT DO NOTHING';
      await db.raw(ignore, [r, vmName]);
    },
    /** The conditional UPDATE that makes one instance the sender of this reminder (in the caller's transaction, after `ensure`). */
    async claim(trx: Knex.Transaction, vmName: string, nowMs: number, everyMs: number): Promise<boolean> {
      return (await trx(r).where('vm_name', vmName).where('reminded_at', '<=', nowMs - everyMs).update({ reminded_at: nowMs })) === 1;
    },
  };
}
