import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import type { MachineProtectionEvent } from '@backup-telemetry/contract';
import type { TelemetryPlugin } from '../src/index.js';
import { backends, migratedPlugin, uniquePrefix, type Backend } from './support/backends.js';
import { jobRequest, send, update } from './support/factories.js';

const T0 = Date.UTC(2026, 11, 1, 2, 5, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** `count` plugins on one database and table prefix (hub instances), on one clock the test moves. */
async function instances(backend: Backend, count: number) {
  let clock = T0;
  const shared = { databaseUrl: backend.url(), tablePrefix: uniquePrefix(), now: () => clock };
  const hubs: Awaited<ReturnType<typeof migratedPlugin>>[] = [];
  for (let i = 0; i < count; i++) hubs.push(await migratedPlugin(backend, shared));
  const app = express();
  app.use('/api/v1', hubs[0]!.plugin.router);
  const http = supertest(app);
  const events = { at_risk: [] as MachineProtectionEvent[], protected: [] as MachineProtectionEvent[] };
  for (const { plugin } of hubs) {
    plugin.events.on('machine:at_risk', (e) => events.at_risk.push(e));
    plugin.events.on('machine:protected', (e) => events.protected.push(e));
  }
  return {
    plugins: hubs.map((h) => h.plugin),
    events,
    advance(ms: number) { clock += ms; },
    setClock(ms: number) { clock = ms; },
    /** A job of `vm` registered and completed now: a success. */
    async backup(vm: string) {
      const request = jobRequest({ vm_name: vm });
      await http.post('/api/v1/backups').send(request).expect(201);
      await send(http, request.id!, update({ status: 'completed', bytes_transferred: 4000 })).expect(200);
    },
    async close() {
      for (const h of hubs.slice(1)) await h.dispose({ keepTables: true });
      await hubs[0]!.dispose();
    },
  };
}

/** One stale-detector pass on every instance at the same moment, `rounds` times. */
async function sweepAll(plugins: TelemetryPlugin[], rounds = 1) {
  for (let i = 0; i < rounds; i++) await Promise.all(plugins.map((p) => p.stale.checkOnce()));
}

for (const backend of backends()) {
  describe(`the at-risk sweep (${backend.name})`, { skip: backend.skip }, () => {
    it('reports machine:at_risk once when the newest success ages past RPO + grace, and machine:protected once after a new success', async () => {
      const t = await instances(backend, 1);
      try {
        const [plugin] = t.plugins;
        await t.backup('web-01');
        await sweepAll(t.plugins, 2);
        t.advance(25 * HOUR); // the default policy: RPO 24 h, grace 60 min; exactly due is not late
        await sweepAll(t.plugins, 2);
        assert.equal(t.events.at_risk.length, 0);
        t.advance(1);
        const pass = await plugin!.stale.checkOnce();
        assert.deepEqual(pass.at_risk, ['web-01']);
        await sweepAll(t.plugins, 3);
        assert.equal(t.events.at_risk.length, 1, 'once per miss, whatever the number of passes');
        const [risk] = t.events.at_risk;
        assert.equal(risk!.vm_name, 'web-01');
        assert.equal(risk!.previous_status, null);
        assert.equal(risk!.protection.status, 'at_risk');
        assert.equal(risk!.protection.reason, 'No successful backup for 25 h (RPO 24 h)');
        assert.equal(risk!.at, new Date(T0 + 25 * HOUR + 1).toISOString());

        t.advance(HOUR);
        await t.backup('web-01');
        await sweepAll(t.plugins, 3);
        assert.equal(t.events.protected.length, 1);
        assert.equal(t.events.protected[0]!.previous_status, 'at_risk');
        assert.equal(t.events.protected[0]!.protection.status, 'protected');

        t.advance(25 * HOUR + 1);
        await sweepAll(t.plugins, 2);
        assert.equal(t.events.at_risk.length, 2, 'the next miss is reported again');
        assert.equal(t.events.at_risk[1]!.previous_status, 'protected');
      } finally {
        await t.close();
      }
    });

    it('with three instances sweeping at the same moment, reports each miss and each recovery exactly once', async () => {
      const t = await instances(backend, 3);
      try {
        const vms = Array.from({ length: 12 }, (_, i) => `vm-${String(i).padStart(2, '0')}`);
        for (const vm of vms) await t.backup(vm);
        await t.plugins[0]!.setPolicy('vm-00', { rpo_hours: null }); // unmonitored: never at risk
        await sweepAll(t.plugins, 3);
        t.advance(25 * HOUR + 1);
        await sweepAll(t.plugins, 8);
        assert.deepEqual(t.events.at_risk.map((e) => e.vm_name).sort(), vms.slice(1));
        for (const vm of vms) await t.backup(vm);
        await sweepAll(t.plugins, 8);
        assert.deepEqual(t.events.protected.map((e) => e.vm_name).sort(), vms.slice(1));
        assert.equal(t.events.at_risk.length, vms.length - 1);
      } finally {
        await t.close();
      }
    });

    it('sweeps 10,000 VMs in under a second, writing only the VMs that changed', async () => {
      const t = await instances(backend, 1);
      try {
        const { knex, tables } = t.plugins[0]!.store;
        const now = T0 + 1000 * HOUR;
        t.setClock(now);
        const summaries = [];
        const policies = [];
        for (let i = 0; i < 10_000; i++) {
          const vm_name = `vm-${String(i).padStart(5, '0')}`;
          const last_success_at = i % 200 === 0 ? now - 30 * HOUR : now - (i % 20) * HOUR; // 50 past RPO + grace
          summaries.push({ vm_name, first_seen_at: T0, last_success_at, last_ended_status: 'completed', completed_count: 1 });
          // Every 10th scheduled, its next run computed for an older basis: the sweep moves 1,000 schedules.
          if (i % 10 === 0) policies.push({ vm_name, rpo_hours: 24, grace_minutes: 60, schedule_cron: '0 2 * * *', schedule_tz: 'Europe/Berlin', schedule_basis_at: null, next_expected_at: null, updated_at: now });
        }
        for (let i = 0; i < summaries.length; i += 500) await knex(tables.machineSummaries).insert(summaries.slice(i, i + 500));
        for (let i = 0; i < policies.length; i += 500) await knex(tables.policies).insert(policies.slice(i, i + 500));
        const first = await t.plugins[0]!.stale.checkOnce();
        assert.equal(first.schedules_moved, 1000);
        assert.equal(first.at_risk.length, 50);
        const started = performance.now();
        const quiet = await t.plugins[0]!.stale.checkOnce();
        const elapsedMs = performance.now() - started;
        assert.deepEqual([quiet.at_risk.length, quiet.protected.length, quiet.schedules_moved], [0, 0, 0]);
        assert.ok(elapsedMs < 1000, `a pass over 10,000 VMs took ${elapsedMs.toFixed(0)} ms`);
        const written = await knex(tables.machineSummaries).whereNotNull('protection_state').count({ n: '*' }).first();
        assert.equal(Number(written!.n), 50, 'quiet VMs are not written');
      } finally {
        await t.close();
      }
    });

    it('turns a scheduled VM at risk when its 02:00 run has not succeeded by 02:00 + grace, though within its RPO', async () => {
      const t = await instances(backend, 2);
      try {
        const [a] = t.plugins;
        await a!.setPolicy('nightly', { rpo_hours: 48, grace_minutes: 30, schedule: { cron: '0 2 * * *', tz: 'UTC' } });
        await t.backup('nightly'); // 2026-12-01 02:05: the next expected run is 2026-12-02 02:00
        await sweepAll(t.plugins, 2);
        assert.equal((await a!.getPolicy('nightly')).protection.next_expected_at, '2026-12-02T02:00:00.000Z');
        t.setClock(Date.UTC(2026, 11, 2, 2, 30, 0));
        await sweepAll(t.plugins, 2);
        assert.equal(t.events.at_risk.length, 0, 'exactly at 02:00 + grace it is not late yet');
        t.advance(1000);
        await sweepAll(t.plugins, 3);
        assert.equal(t.events.at_risk.length, 1);
        assert.match(t.events.at_risk[0]!.protection.reason, /^Scheduled backup of 2026-12-02T02:00:00.000Z has not succeeded \(schedule "0 2 \* \* \*" UTC, grace 30 min\); last successful backup 24 h ago$/);
        t.advance(9 * MIN);
        await t.backup('nightly');
        await sweepAll(t.plugins, 2);
        assert.equal(t.events.protected.length, 1);
        assert.equal(t.events.protected[0]!.protection.next_expected_at, '2026-12-03T02:00:00.000Z');
      } finally {
        await t.close();
      }
    });
  });
}
