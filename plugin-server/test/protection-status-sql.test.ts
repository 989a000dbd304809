import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { machineProtection } from '../src/protection/machine.js';
import { policyBounds, protectionStatusSql, severitySql, statusPrefilterSql, STATUS_SEVERITY } from '../src/protection/status-sql.js';
import type { ProtectionStatus } from '@backup-telemetry/contract';
import type { PolicyRow } from '../src/store/policies.js';
import { backends, migratedPlugin } from './support/backends.js';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DEFAULTS = { rpo_hours: 24, grace_minutes: 60 };

interface Case {
  name: string;
  first_seen_ago: number;
  success_ago: number | null;
  last_ended_status: 'completed' | 'failed' | 'cancelled' | null;
  policy: Omit<PolicyRow, 'vm_name' | 'updated_at'> | null;
}

const policy = (rpo: number | null, grace = 60, schedule?: { basisAgo: number | 'first' | 'success'; nextAgo: number }): Case['policy'] => ({
  rpo_hours: rpo, grace_minutes: grace, schedule_cron: schedule ? '0 2 * * *' : null, schedule_tz: schedule ? 'UTC' : null,
  schedule_basis_at: null, next_expected_at: schedule ? NOW - schedule.nextAgo : null,
  ...(schedule ? { basis: schedule.basisAgo } : {}),
} as Case['policy']);

/** Every boundary of the status, with and without a policy row and a schedule. */
function cases(): Case[] {
  const out: Case[] = [];
  const ages = [null, 0, 30 * MIN, 24 * HOUR, 24 * HOUR + 1, 25 * HOUR, 25 * HOUR + 1, 40 * HOUR, 400 * HOUR];
  const seen = [10 * MIN, 25 * HOUR, 25 * HOUR + 1, 1000 * HOUR];
  const policies: Case['policy'][] = [null, policy(24), policy(null), policy(0.5, 0), policy(1 / 60, 5), policy(48, 120),
    policy(24, 60, { basisAgo: 'success', nextAgo: 2 * HOUR }), policy(24, 60, { basisAgo: 'success', nextAgo: 30 * MIN }),
    policy(24, 60, { basisAgo: 'first', nextAgo: 3 * HOUR }), policy(24, 60, { basisAgo: 123, nextAgo: 3 * HOUR })];
  let i = 0;
  for (const success_ago of ages) for (const first_seen_ago of seen) for (const p of policies) for (const last of ['completed', 'failed', 'cancelled'] as const) {
    if (success_ago !== null && success_ago > first_seen_ago) continue;
    out.push({ name: `vm-${String(i++).padStart(4, '0')}`, first_seen_ago, success_ago, last_ended_status: success_ago === null && last === 'completed' ? null : last, policy: p });
  }
  return out;
}

for (const backend of backends()) {
  describe(`protection status in SQL equals protectionStatus (${backend.name})`, { skip: backend.skip }, () => {
    let hub: Awaited<ReturnType<typeof migratedPlugin>>;
    const all = cases();
    const rows = new Map<string, { summary: Parameters<typeof machineProtection>[0]; policy: PolicyRow | null }>();
    before(async () => {
      hub = await migratedPlugin(backend);
      const { knex, tables } = hub.plugin.store;
      const summaries = [];
      const policies = [];
      for (const c of all) {
        const first_seen_at = NOW - c.first_seen_ago;
        const last_success_at = c.success_ago === null ? null : NOW - c.success_ago;
        summaries.push({ vm_name: c.name, first_seen_at, last_success_at, last_ended_status: c.last_ended_status, consecutive_failures: c.last_ended_status === 'failed' ? 1 : 0 });
        let row: PolicyRow | null = null;
        if (c.policy) {
          const { basis, ...rest } = c.policy as Case['policy'] & { basis?: number | 'first' | 'success' };
          const schedule_basis_at = basis === undefined ? null : basis === 'first' ? first_seen_at : basis === 'success' ? (last_success_at ?? first_seen_at) : NOW - basis;
          row = { vm_name: c.name, ...rest, schedule_basis_at, updated_at: NOW };
          policies.push(row);
        }
        rows.set(c.name, { summary: { first_seen_at, last_success_at, last_ended_status: c.last_ended_status, last_failure_error: null, consecutive_failures: c.last_ended_status === 'failed' ? 1 : 0 }, policy: row });
      }
      for (let i = 0; i < summaries.length; i += 200) await knex(tables.machineSummaries).insert(summaries.slice(i, i + 200));
      for (let i = 0; i < policies.length; i += 200) await knex(tables.policies).insert(policies.slice(i, i + 200));
    });
    after(() => hub.dispose());

    it(`gives every VM of ${all.length} boundary cases the status the pure function gives`, async () => {
      const { knex, tables } = hub.plugin.store;
      const status = protectionStatusSql(NOW, DEFAULTS);
      const severity = severitySql(status);
      const got = await knex(`${tables.machineSummaries} as s`).leftJoin(`${tables.policies} as p`, 's.vm_name', 'p.vm_name')
        .select('s.vm_name', knex.raw(`${status.sql} AS status`, status.bindings), knex.raw(`${severity.sql} AS severity`, severity.bindings));
      assert.equal(got.length, all.length);
      const seen = new Set<string>();
      for (const r of got as { vm_name: string; status: string; severity: unknown }[]) {
        const { summary, policy: p } = rows.get(r.vm_name)!;
        const expected = machineProtection(summary, p, DEFAULTS, NOW).status;
        assert.equal(r.status, expected, `${r.vm_name}: ${JSON.stringify({ summary, p })}`);
        assert.equal(Number(r.severity), STATUS_SEVERITY.indexOf(expected));
        seen.add(expected);
      }
      assert.deepEqual([...seen].sort(), [...STATUS_SEVERITY].sort(), 'the cases reach every status');
    });

    it('finds the same VMs for every status filter with the cheap prefilter before the CASE as with the CASE alone', async () => {
      const { knex, tables } = hub.plugin.store;
      const status = protectionStatusSql(NOW, DEFAULTS);
      const policies = [...rows.values()].map((r) => r.policy).filter((p) => p !== null && p.rpo_hours !== null);
      const bounds = policyBounds(DEFAULTS, {
        min_rpo_hours: policies.length ? Math.min(...policies.map((p) => p!.rpo_hours!)) : null,
        min_due_minutes: policies.length ? Math.min(...policies.map((p) => p!.rpo_hours! * 60 + p!.grace_minutes)) : null,
      });
      const filters: ProtectionStatus[][] = [['at_risk'], ['warning'], ['pending'], ['at_risk', 'warning'], ['pending', 'at_risk'], ['protected'], ['warning', 'unmonitored']];
      for (const statuses of filters) {
        const base = () => knex(`${tables.machineSummaries} as s`).leftJoin(`${tables.policies} as p`, 's.vm_name', 'p.vm_name')
          .whereRaw(`${status.sql} IN (${statuses.map(() => '?').join(', ')})`, [...status.bindings, ...statuses]).orderBy('s.vm_name').pluck('s.vm_name');
        const expected = await base();
        const prefilter = statusPrefilterSql(statuses, NOW, bounds);
        const got = prefilter ? await base().whereRaw(prefilter.sql, prefilter.bindings) : expected;
        assert.deepEqual(got, expected, statuses.join(','));
        if (statuses.includes('at_risk')) assert.ok(expected.length > 0);
      }
    });
  });
}
