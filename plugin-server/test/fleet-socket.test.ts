import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MachineProtectionEvent, MachineUpdateEvent } from '@backup-telemetry/contract';
import { backends } from './support/backends.js';
import { registerJob, update } from './support/factories.js';
import { collect, next, request, sleep, startLiveHub, type LiveHub } from './support/live.js';

const sqlite = backends()[0]!;
const INTERVAL_MS = 400;

function protectionEvent(vm_name: string): MachineProtectionEvent {
  return {
    vm_name,
    protection: {
      status: 'at_risk', rpo_hours: 24, grace_minutes: 60, last_success_at: null, consecutive_failures: 0,
      reason: 'No successful backup for 31 h (RPO 24 h)', next_expected_at: null, schedule: null,
    },
    previous_status: 'protected',
    at: new Date().toISOString(),
  };
}

describe('fleet pushes', () => {
  let hub: LiveHub;
  before(async () => { hub = await startLiveHub(sqlite, { fleetPushIntervalMs: INTERVAL_MS }); });
  after(async () => { await hub?.close(); });

  it('coalesces 20 updates of one VM within an interval into one or two machine:update pushes with the newest progress', async () => {
    const viewer = await hub.client();
    assert.deepEqual(await request(viewer, 'subscribe', { fleet: true }), { ok: true });
    const pushes = collect<MachineUpdateEvent>(viewer, 'machine:update');
    const id = await registerJob(hub.http, { vm_name: 'fleet-vm', disks: [] });
    for (let i = 1; i <= 20; i++) await hub.plugin.ingest.submit('backup', id, update({ bytes_transferred: i * 100, total_bytes: 4000 }));
    await sleep(INTERVAL_MS * 2.5);
    assert.ok(pushes.length >= 1 && pushes.length <= 2, `${pushes.length} pushes`);
    const last = pushes[pushes.length - 1]!;
    assert.deepEqual(last, {
      vm_name: 'fleet-vm',
      protection: { status: 'pending', reason: last.protection.reason },
      last_job: { backup_id: id, status: 'running', progress_percent: 50, transfer_speed_bps: update().transfer_speed_bps, current_phase: 'transferring' },
    });
    assert.match(last.protection.reason, /\w/);

    // A job end re-reads the VM's protection: its first success makes it protected.
    const ended = next<MachineUpdateEvent>(viewer, 'machine:update', (e) => e.vm_name === 'fleet-vm' && e.last_job?.status === 'completed');
    await hub.plugin.ingest.submit('backup', id, update({ status: 'completed', bytes_transferred: 4000, total_bytes: 4000 }));
    const push = await ended;
    assert.deepEqual([push.protection.status, push.last_job?.progress_percent], ['protected', 100]);
    await request(viewer, 'unsubscribe', { fleet: true });
  });

  it('pushes each of several VMs once per interval', async () => {
    const viewer = await hub.client();
    await request(viewer, 'subscribe', { fleet: true });
    const pushes = collect<MachineUpdateEvent>(viewer, 'machine:update');
    const ids = await Promise.all(['multi-a', 'multi-b', 'multi-c'].map((vm_name) => registerJob(hub.http, { vm_name, disks: [] })));
    for (let round = 1; round <= 5; round++) {
      for (const id of ids) await hub.plugin.ingest.submit('backup', id, update({ bytes_transferred: round * 100 }));
    }
    await sleep(INTERVAL_MS * 2.5);
    const perVm = new Map<string, number>();
    for (const p of pushes) perVm.set(p.vm_name, (perVm.get(p.vm_name) ?? 0) + 1);
    assert.deepEqual([...perVm.keys()].sort(), ['multi-a', 'multi-b', 'multi-c']);
    for (const [vm, n] of perVm) assert.ok(n <= 2, `${n} pushes of ${vm}`);
    for (const vm of perVm.keys()) assert.equal(pushes.filter((p) => p.vm_name === vm).at(-1)!.last_job?.progress_percent, update({ bytes_transferred: 500 }).bytes_transferred! / 40);
  });

  it('forwards machine:at_risk and machine:protected to fleet viewers and the VM\'s room, not to others', async () => {
    const fleet = await hub.client();
    const vmRoom = await hub.client();
    const bystander = await hub.client();
    await request(fleet, 'subscribe', { fleet: true });
    await request(vmRoom, 'subscribe', { vm_name: 'risky-vm' });
    await request(bystander, 'subscribe', { vm_name: 'other-vm' });
    const missed = collect(bystander, 'machine:at_risk');
    const atRisk = Promise.all([next<MachineProtectionEvent>(fleet, 'machine:at_risk'), next<MachineProtectionEvent>(vmRoom, 'machine:at_risk')]);
    const event = protectionEvent('risky-vm');
    hub.plugin.events.emit('machine:at_risk', event);
    assert.deepEqual(await atRisk, [event, event]);
    const back = next<MachineProtectionEvent>(fleet, 'machine:protected');
    const protectedAgain = { ...event, protection: { ...event.protection, status: 'protected' as const }, previous_status: 'at_risk' as const };
    hub.plugin.events.emit('machine:protected', protectedAgain);
    assert.deepEqual(await back, protectedAgain);
    await sleep(100);
    assert.deepEqual(missed, []);
  });

  it('refuses {fleet} that is not true with 400 naming the field', async () => {
    const viewer = await hub.client();
    const bad = await request(viewer, 'subscribe', { fleet: 'yes' });
    assert.deepEqual([bad.ok, bad.error.status, bad.error.field], [false, 400, 'fleet']);
  });
});

describe('fleet pushes behind authorizeViewer', () => {
  let hub: LiveHub;
  const asked: unknown[] = [];
  before(async () => {
    hub = await startLiveHub(sqlite, { fleetPushIntervalMs: INTERVAL_MS, authorizeViewer: (_handshake, target) => { asked.push(target); return !target.fleet; } });
  });
  after(async () => { await hub?.close(); });

  it('answers a viewer the hook refuses with the error ack, and pushes it nothing', async () => {
    const viewer = await hub.client();
    const ack = await request(viewer, 'subscribe', { fleet: true });
    assert.deepEqual([ack.ok, ack.error.status, ack.error.code], [false, 403, 'forbidden']);
    assert.deepEqual(asked, [{ fleet: true }]);
    const pushes = collect(viewer, 'machine:update');
    const risks = collect(viewer, 'machine:at_risk');
    const id = await registerJob(hub.http, { vm_name: 'hidden-vm', disks: [] });
    await hub.plugin.ingest.submit('backup', id, update());
    hub.plugin.events.emit('machine:at_risk', protectionEvent('hidden-vm'));
    await sleep(INTERVAL_MS * 2);
    assert.deepEqual([pushes, risks], [[], []]);
  });
});
