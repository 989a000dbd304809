import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FLEET, bytesToRead, vmAt } from '../src/fleet.js';
import {
  assignOutcomes, initialState, lockedFilesOf, meanFactor, planJob, seededRng, speedFactor, stageTimes, step,
  type JobPlan, type JobState, type Outcome, type SpeedShape,
} from '../src/scenarios.js';

const flat: SpeedShape = { ramp_seconds: 0, waves: [], dips: [], noise: 0 };
const complete: Outcome = { kind: 'complete' };
const db = FLEET.find((vm) => vm.vm_name === 'db-02')!;

/** Steps a job until it ends, recording every state. */
function runToEnd(plan: JobPlan, dt = 0.5, seed = 1): JobState[] {
  const rng = seededRng(seed);
  const states = [initialState(plan)];
  while (states.at(-1)!.result === 'running') {
    states.push(step(plan, states.at(-1)!, dt, rng() * 2 - 1));
    assert.ok(states.length < 100_000, 'job never ended');
  }
  return states;
}

describe('seeded randomness', () => {
  it('repeats the same sequence for the same seed, within [0, 1)', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const xs = Array.from({ length: 100 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 100 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, seededRng(43)));
  });
});

describe('speed curve', () => {
  it('ramps from 20 % to full speed over the ramp', () => {
    const shape = { ...flat, ramp_seconds: 10 };
    assert.equal(speedFactor(shape, 0), 0.2);
    assert.ok(Math.abs(speedFactor(shape, 5) - 0.6) < 1e-9);
    assert.equal(speedFactor(shape, 10), 1);
    assert.equal(speedFactor(shape, 50), 1);
  });

  it('dips by its depth at the middle of the dip and not outside it', () => {
    const shape = { ...flat, dips: [{ at_seconds: 20, length_seconds: 10, depth: 0.6 }] };
    assert.equal(speedFactor(shape, 19), 1);
    assert.ok(Math.abs(speedFactor(shape, 25) - 0.4) < 1e-9);
    assert.equal(speedFactor(shape, 31), 1);
  });

  it('fluctuates around its mean with waves', () => {
    const shape = { ...flat, waves: [{ amplitude: 0.1, period_seconds: 10, phase_radians: 0 }] };
    assert.ok(Math.abs(speedFactor(shape, 2.5) - 1.1) < 1e-9);
    assert.ok(Math.abs(speedFactor(shape, 7.5) - 0.9) < 1e-9);
    assert.ok(Math.abs(meanFactor(shape, 100) - 1) < 1e-3);
  });
});

describe('a planned job stepped through time', () => {
  it('goes snapshot → transferring → finalizing and lasts about --duration', () => {
    const plan = planJob(seededRng(3), { vm: db, backup_type: 'full', outcome: complete, duration_seconds: 60 });
    const states = runToEnd(plan);
    const phases = states.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);
    assert.deepEqual(phases, ['snapshot', 'transferring', 'finalizing']);
    const end = states.at(-1)!;
    assert.equal(end.result, 'completed');
    assert.ok(end.elapsed_seconds > 50 && end.elapsed_seconds < 72, `lasted ${end.elapsed_seconds} s`);
    assert.equal(end.bytes_transferred, plan.total_bytes);
    assert.ok(end.disks.every((d) => d.status === 'completed' && d.bytes_transferred === d.total_bytes));
  });

  it('keeps a real speed with --duration, shrinking the data read to fit', () => {
    const plan = planJob(seededRng(4), { vm: db, backup_type: 'full', outcome: complete, duration_seconds: 60 });
    const realRead = db.disks.reduce((sum, d) => sum + bytesToRead(d, 'full'), 0);
    assert.ok(plan.total_bytes < realRead);
    const avgMibps = plan.total_bytes / plan.transfer_seconds / 1048576;
    assert.ok(avgMibps > db.speed_mibps * 0.8 && avgMibps < db.speed_mibps * 1.2, `average ${avgMibps} MiB/s`);
  });

  it('keeps the real sizes with --speedup and runs that many times faster', () => {
    const plan = planJob(seededRng(5), { vm: db, backup_type: 'incremental', outcome: complete, speedup: 100 });
    assert.equal(plan.total_bytes, db.disks.reduce((sum, d) => sum + bytesToRead(d, 'incremental'), 0));
    const realSeconds = plan.total_bytes / (db.speed_mibps * 0.6 * 1048576);
    assert.ok(plan.transfer_seconds > (realSeconds / 100) * 0.8 && plan.transfer_seconds < (realSeconds / 100) * 1.25);
  });

  it('reads far less for an incremental than for a full', () => {
    for (const d of db.disks) assert.ok(bytesToRead(d, 'incremental') < bytesToRead(d, 'full') / 2);
  });

  it('speeds up and dips while transferring, never moving bytes outside that phase', () => {
    const plan = planJob(seededRng(6), { vm: db, backup_type: 'full', outcome: complete, duration_seconds: 120 });
    const states = runToEnd(plan);
    const transferring = states.filter((s) => s.phase === 'transferring').map((s) => s.speed_bps);
    const peak = Math.max(...transferring);
    assert.ok(transferring[0] < peak * 0.5, 'starts slow');
    assert.ok(Math.min(...transferring.slice(transferring.length / 4)) < peak * 0.75, 'dips somewhere after the ramp');
    assert.ok(states.filter((s) => s.phase === 'snapshot').every((s) => s.bytes_transferred === 0 && s.speed_bps === 0));
    assert.ok(states.filter((s) => s.phase === 'finalizing').every((s) => s.speed_bps === 0));
    const bytes = states.map((s) => s.bytes_transferred);
    assert.ok(bytes.every((b, i) => i === 0 || b >= bytes[i - 1]), 'bytes never go backwards');
  });

  it('finishes the smallest disk first, as disks share the speed', () => {
    const plan = planJob(seededRng(7), { vm: db, backup_type: 'full', outcome: complete, duration_seconds: 60 });
    const states = runToEnd(plan);
    const finishedAt = plan.disks.map((d) => states.findIndex((s) => s.disks.find((x) => x.disk_index === d.disk_index)!.status === 'completed'));
    const bySize = [...plan.disks.keys()].sort((a, b) => plan.disks[a].total_bytes - plan.disks[b].total_bytes);
    assert.ok(finishedAt[bySize[0]] <= finishedAt[bySize[bySize.length - 1]]);
    assert.ok(finishedAt[bySize[0]] < states.findIndex((s) => s.phase === 'finalizing'));
  });

  it('fails at the planned progress with its message, or lets the client die there', () => {
    const failing = planJob(seededRng(8), { vm: db, backup_type: 'full', outcome: { kind: 'fail', at_percent: 40, error: 'disk error' }, duration_seconds: 30 });
    const failed = runToEnd(failing).at(-1)!;
    assert.equal(failed.result, 'failed');
    assert.ok(failed.progress_percent >= 40 && failed.progress_percent < 50, `ended at ${failed.progress_percent} %`);
    const dying = planJob(seededRng(8), { vm: db, backup_type: 'full', outcome: { kind: 'die', at_percent: 55 }, duration_seconds: 30 });
    const died = runToEnd(dying).at(-1)!;
    assert.equal(died.result, 'died');
    assert.equal(died.phase, 'transferring');
    assert.ok(died.progress_percent >= 55 && died.progress_percent < 65);
  });
});

describe('a run of jobs', () => {
  it('has exactly the requested failures and dying clients', () => {
    const outcomes = assignOutcomes(seededRng(9), 10, 2, 1);
    assert.equal(outcomes.filter((o) => o.kind === 'fail').length, 2);
    assert.equal(outcomes.filter((o) => o.kind === 'die').length, 1);
    assert.equal(outcomes.filter((o) => o.kind === 'complete').length, 7);
    for (const o of outcomes) if (o.kind === 'fail') assert.ok(o.error.length > 0 && o.at_percent >= 25 && o.at_percent <= 80);
  });

  it('never plans more special jobs than jobs', () => {
    assert.equal(assignOutcomes(seededRng(1), 1, 3, 3).filter((o) => o.kind !== 'complete').length, 1);
  });

  it('names VMs past the fleet by role and number', () => {
    assert.equal(vmAt(0).vm_name, 'web-01');
    assert.equal(vmAt(1).vm_name, 'db-02');
    assert.equal(vmAt(FLEET.length).vm_name, 'web-09');
    assert.equal(vmAt(FLEET.length + 1).vm_name, 'db-10');
  });
});

describe('stage times of a transfer step', () => {
  it('keeps a slow VM busy on its source and a fast one on the network, as shares of the step', () => {
    const slow = FLEET.find((vm) => vm.speed_mibps < 170)!;
    const fast = FLEET.find((vm) => vm.speed_mibps >= 170)!;
    assert.deepEqual(stageTimes(slow, 2), { source: 1700, proxy: 300, network: 800, target: 500 });
    assert.deepEqual(stageTimes(fast, 2), { source: 600, proxy: 300, network: 1700, target: 500 });
    assert.deepEqual(stageTimes(fast, 1, 1), { source: 350, proxy: 200, network: 900, target: 300 });
  });
});

describe('completions with warnings', () => {
  it('skips one or two locked files on about one Windows job in three, by job id, and never on Linux', () => {
    const ids = Array.from({ length: 300 }, (_, i) => `sim-file-03-${i.toString(36)}`);
    const warned = ids.map((id) => lockedFilesOf('Windows Server 2022', id)).filter((files) => files.length > 0);
    assert.ok(warned.length > 60 && warned.length < 140, `${warned.length} of 300`);
    assert.ok(warned.every((files) => files.length >= 1 && files.length <= 2 && files[0] === 'C:\\pagefile.sys'));
    assert.deepEqual(lockedFilesOf('Windows Server 2022', ids[0]!), lockedFilesOf('Windows Server 2022', ids[0]!), 'the same job, the same files');
    assert.equal(ids.filter((id) => lockedFilesOf('Debian 12', id).length > 0).length, 0);
  });
});
