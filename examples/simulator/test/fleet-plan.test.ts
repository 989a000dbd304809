import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expectedStatus, planFleet, roleCounts, type FleetPlan } from '../src/fleet-plan.js';
import { parseSpan, MAX_FLEET_HISTORY_MS } from '../src/history.js';
import { seededRng } from '../src/scenarios.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 2, 9, 30);

const plan = (count: number, days: number, seed = 7): FleetPlan => planFleet(seededRng(seed), { count, span_ms: days * DAY, now_ms: NOW, seed });
const jobsOf = (p: FleetPlan, vm: string) => p.jobs.filter((j) => j.vm_name === vm).sort((a, b) => b.completed_at - a.completed_at);

describe('fleet plan', () => {
  it('mixes every protection state, most VMs protected', () => {
    const p = plan(2000, 30);
    const counts = roleCounts(2000);
    assert.deepEqual(counts, { protected: 1580, warning: 100, failing: 100, stopped: 80, never: 60, short_rpo: 40, unmonitored: 40 });
    const byStatus: Record<string, number> = {};
    for (const vm of p.vms) byStatus[expectedStatus(vm, NOW)] = (byStatus[expectedStatus(vm, NOW)] ?? 0) + 1;
    assert.deepEqual(byStatus, { protected: 1620, warning: 100, at_risk: 200, pending: 40, unmonitored: 40 });
    // A small demo fleet still has one VM of each role.
    assert.ok(Object.values(roleCounts(12)).every((n) => n >= 1));
    assert.equal(new Set(p.vms.map((v) => v.vm.vm_name)).size, 2000, 'names are unique');
    assert.equal(new Set(p.jobs.map((j) => j.id)).size, p.jobs.length, 'job ids are unique');
  });

  it('is the same plan for the same seed and another for another seed', () => {
    assert.deepEqual(plan(60, 14, 3), plan(60, 14, 3));
    assert.notDeepEqual(plan(60, 14, 3).jobs.map((j) => j.started_at), plan(60, 14, 4).jobs.map((j) => j.started_at));
  });

  it('plans histories whose newest job tells the status: within the span, ended before now', () => {
    const p = plan(400, 30);
    assert.ok(p.jobs.every((j) => j.started_at >= NOW - 30 * DAY && j.completed_at <= NOW && j.completed_at > j.started_at));
    assert.ok(p.jobs.every((j) => Number.isInteger(j.started_at) && Number.isInteger(j.completed_at)), 'epoch ms, as importJobs takes them');
    assert.ok(p.jobs.every((j, i) => i === 0 || j.started_at >= p.jobs[i - 1]!.started_at), 'oldest first');
    for (const { vm, role, policy, declared_at } of p.vms) {
      const mine = jobsOf(p, vm.vm_name);
      const lastSuccess = mine.find((j) => j.status === 'completed');
      if (role === 'never') {
        assert.equal(mine.length, 0);
        assert.ok(declared_at! < NOW && policy?.rpo_hours === 24);
        continue;
      }
      assert.ok(lastSuccess, `${vm.vm_name} (${role}) has a success`);
      const age = NOW - lastSuccess.completed_at;
      if (role === 'protected') assert.ok(age < 22 * HOUR && mine[0]!.status === 'completed', `${vm.vm_name} ${age / HOUR} h`);
      if (role === 'short_rpo') assert.ok(policy?.rpo_hours === 4 && age < 2 * HOUR && mine.length > 300);
      if (role === 'warning') assert.ok(age < 22 * HOUR && mine[0]!.status === 'failed');
      if (role === 'failing') {
        const failures = mine.findIndex((j) => j.status === 'completed');
        assert.ok(failures >= 2 && mine.slice(0, failures).every((j) => j.error_message === mine[0]!.error_message), `${vm.vm_name} fails in a row with one error`);
      }
      if (role === 'stopped') assert.ok(NOW - mine[0]!.completed_at > 30 * HOUR);
      if (role === 'unmonitored') assert.equal(policy?.rpo_hours, null);
      if (mine.length > 7 && role !== 'short_rpo') assert.ok(mine.some((j) => j.backup_type === 'full') && mine.some((j) => j.backup_type === 'incremental'));
    }
    assert.ok(p.jobs.filter((j) => j.status === 'failed').every((j) => (j.error_message ?? '').length > 10), 'every failure says why');
  });

  it('gives the last two days of jobs a compact chart that adds up to their bytes', () => {
    const p = plan(100, 30);
    const charted = p.jobs.filter((j) => j.performance_metrics);
    assert.ok(charted.length > 100 && charted.every((j) => j.started_at >= NOW - 2 * DAY));
    assert.ok(p.jobs.filter((j) => !j.performance_metrics).every((j) => j.started_at < NOW - 2 * DAY));
    for (const j of charted) {
      const m = j.performance_metrics!;
      assert.equal(m.bytes_transferred, j.bytes_transferred);
      assert.ok(m.chart_data.length >= 25 && m.chart_data.length <= 26);
      const last = m.chart_data.at(-1)!;
      if (j.status === 'completed') assert.deepEqual([last.p, last.phase], [100, 'finalizing']);
      else assert.ok(last.p < 100 && last.phase === 'transferring', JSON.stringify(last));
      assert.ok(m.chart_data.every((pt, i) => i === 0 || pt.t >= m.chart_data[i - 1]!.t));
      assert.ok(Math.abs(m.duration_seconds - (j.completed_at - j.started_at) / 1000) <= 1);
      assert.ok(m.peak_speed_bps >= m.avg_speed_bps * 0.9 && m.min_speed_bps <= m.peak_speed_bps);
    }
  });

  it('takes up to 90 days of history with --fleet, and 6.5 days through the API', () => {
    assert.equal(parseSpan('90d', MAX_FLEET_HISTORY_MS), 90 * DAY);
    assert.throws(() => parseSpan('91d', MAX_FLEET_HISTORY_MS), /at most 90 days/);
    assert.throws(() => parseSpan('30d'), /at most 6.5 days.*--fleet/);
  });
});
