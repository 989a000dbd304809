import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DISK_STATUSES, formatDuration, TelemetryError, validateRegisterJob, validateUpdate, visibleBidiControls } from '../src/index.js';

const route = { jobId: 'job-1', jobType: 'backup' };

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TelemetryError);
    assert.equal(error.status, 400);
    return error.field;
  }
  assert.fail('expected a TelemetryError');
}

describe('validateUpdate', () => {
  it('returns only known fields, with the timestamp in epoch ms', () => {
    const now = Date.parse('2026-10-10T14:30:00Z');
    const u = validateUpdate({ status: 'running', bytes_transferred: 5, timestamp: '2026-10-10T14:28:00Z', extra: 'ignored' }, { ...route, nowMs: now });
    assert.deepEqual(u, { job_id: 'job-1', job_type: 'backup', status: 'running', bytes_transferred: 5, timestamp_ms: now - 120_000 });
  });

  it('accepts an empty update as a heartbeat', () => {
    assert.deepEqual(validateUpdate({}, route), { job_id: 'job-1', job_type: 'backup' });
  });

  it('names the field of each bad value', () => {
    assert.equal(fieldOf(() => validateUpdate({ eta_seconds: Infinity }, route)), 'eta_seconds');
    assert.equal(fieldOf(() => validateUpdate({ transfer_speed_bps: NaN }, route)), 'transfer_speed_bps');
    assert.equal(fieldOf(() => validateUpdate({ current_phase: 'x'.repeat(65) }, route)), 'current_phase');
    assert.equal(fieldOf(() => validateUpdate({ disks: Array.from({ length: 65 }, (_, i) => ({ disk_index: i })) }, route)), 'disks');
    assert.equal(fieldOf(() => validateUpdate({ details: { 'bad key': 1 } }, route)), 'details.bad key');
    assert.equal(fieldOf(() => validateUpdate({}, { jobId: 'a/b', jobType: 'backup' })), 'job_id');
    assert.equal(fieldOf(() => validateUpdate('text', route)), 'body');
    assert.equal(fieldOf(() => validateUpdate({ timestamp: '2026-02-30T10:00:00Z' }, { ...route, nowMs: Date.parse('2026-03-01T00:00:00Z') })), 'timestamp');
  });

  it('takes session log lines with their level, text as sent (control characters kept, lone surrogates replaced) and time in epoch ms', () => {
    const now = Date.parse('2026-10-10T14:30:00Z');
    const u = validateUpdate({ warnings_count: 2, log: [
      { level: 'warning', message: 'bell\u0007 <b>bold</b> \u202Eexe', at: '2026-10-10T14:29:00Z' },
      { level: 'error', message: 'half \uD800 pair', extra: 'ignored' },
    ] }, { ...route, nowMs: now });
    assert.deepEqual(u.log, [
      { level: 'warning', message: 'bell\u0007 <b>bold</b> \u202Eexe', at_ms: now - 60_000 },
      { level: 'error', message: 'half \uFFFD pair' },
    ]);
    assert.equal(u.warnings_count, 2);
  });

  it('names the bad log line and its field: at most 10 lines, 1,000 characters each, a known level, a valid time', () => {
    const line = (overrides: object = {}) => ({ level: 'info', message: 'ok', ...overrides });
    assert.equal(fieldOf(() => validateUpdate({ log: [line(), line(), line({ message: 'x'.repeat(1001) })] }, route)), 'log[2].message');
    assert.equal(validateUpdate({ log: [line({ message: 'x'.repeat(1000) })] }, route).log![0]!.message.length, 1000);
    assert.equal(fieldOf(() => validateUpdate({ log: Array.from({ length: 11 }, () => line()) }, route)), 'log');
    assert.equal(validateUpdate({ log: Array.from({ length: 10 }, () => line()) }, route).log!.length, 10);
    assert.equal(fieldOf(() => validateUpdate({ log: [line({ level: 'debug' })] }, route)), 'log[0].level');
    assert.equal(fieldOf(() => validateUpdate({ log: [line(), line({ message: '' })] }, route)), 'log[1].message');
    assert.equal(fieldOf(() => validateUpdate({ log: [line({ message: 42 })] }, route)), 'log[0].message');
    assert.equal(fieldOf(() => validateUpdate({ log: [line({ at: 'soon' })] }, route)), 'log[0].at');
    assert.equal(fieldOf(() => validateUpdate({ log: [line({ at: Date.now() + 3_600_000 })] }, route)), 'log[0].at');
    assert.equal(fieldOf(() => validateUpdate({ log: ['text'] }, route)), 'log[0]');
    assert.equal(fieldOf(() => validateUpdate({ log: { level: 'info' } }, route)), 'log');
    assert.equal(fieldOf(() => validateUpdate({ warnings_count: 1.5 }, route)), 'warnings_count');
    assert.equal(fieldOf(() => validateUpdate({ warnings_count: -1 }, route)), 'warnings_count');
  });

  it('accepts every known disk status and any other well-formed token, as sent', () => {
    const statuses = [...DISK_STATUSES, 'deduplicating', 'phase_2', 'x-y'];
    const u = validateUpdate({ disks: statuses.map((status, disk_index) => ({ disk_index, status })) }, route);
    assert.deepEqual(u.disks?.map((d) => d.status), statuses);
    assert.ok(['transferring', 'snapshotting', 'verifying', 'waiting', 'queued', 'skipped'].every((s) => (DISK_STATUSES as readonly string[]).includes(s)));
  });

  it('refuses a malformed disk status, naming the disk', () => {
    for (const status of [1, null, true, '', 'Transferring', 'x'.repeat(17), '<b>x</b>', 'a b', '9lives', 'é']) {
      assert.equal(fieldOf(() => validateUpdate({ disks: [{ disk_index: 0 }, { disk_index: 1, status }] }, route)), 'disks[1].status', String(status));
    }
  });

  it('keeps the strict set for the job status', () => {
    assert.equal(fieldOf(() => validateUpdate({ status: 'transferring' }, route)), 'status');
  });

  it('never copies __proto__ or constructor keys into the result', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "status": "running"}');
    const u = validateUpdate(hostile, route) as unknown as Record<string, unknown>;
    assert.equal(u.polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(fieldOf(() => validateUpdate(JSON.parse('{"details": {"__proto__": 1}}'), route)), 'details.__proto__');
  });
});

describe('validateRegisterJob', () => {
  it('requires vm_name, repository_id and backup_type', () => {
    assert.equal(fieldOf(() => validateRegisterJob({ repository_id: 'r', backup_type: 'full' })), 'vm_name');
    assert.equal(fieldOf(() => validateRegisterJob({ vm_name: 'v', backup_type: 'full' })), 'repository_id');
    assert.equal(fieldOf(() => validateRegisterJob({ vm_name: 'v', repository_id: 'r' })), 'backup_type');
  });
});

describe('formatDuration', () => {
  it('writes the stall message style', () => {
    assert.equal(formatDuration(312), '5m12s');
    assert.equal(formatDuration(3725), '1h2m5s');
    assert.equal(formatDuration(42), '42s');
  });
});

describe('bidirectional controls', () => {
  const controls = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
  const job = { vm_name: 'vm', repository_id: 'repo', backup_type: 'full' };

  it('refuses them in every name and identifier, naming the field', () => {
    for (const c of controls) {
      assert.equal(fieldOf(() => validateRegisterJob({ ...job, vm_name: `evil${c}exe.vm` })), 'vm_name');
      assert.equal(fieldOf(() => validateRegisterJob({ ...job, repository_id: `r${c}` })), 'repository_id');
      assert.equal(fieldOf(() => validateRegisterJob({ ...job, repository_path: `/p${c}` })), 'repository_path');
      assert.equal(fieldOf(() => validateRegisterJob({ ...job, vm_context_id: `${c}x` })), 'vm_context_id');
      assert.equal(fieldOf(() => validateRegisterJob({ ...job, machine: { os: `Linux${c}` } })), 'machine.os');
      assert.equal(fieldOf(() => validateRegisterJob({ ...job, machine: { disks: [{ disk_index: 0, name: `sda${c}` }] } })), 'machine.disks[0].name');
      assert.equal(fieldOf(() => validateUpdate({ current_phase: `copy${c}` }, route)), 'current_phase');
    }
  });

  it('keeps them in free text, where viewers show them as code points', () => {
    const u = validateUpdate({ error: 'disk \u202Efull', details: { note: 'a\u2066b' } }, route);
    assert.equal(u.error, 'disk \u202Efull');
    assert.equal(u.details?.note, 'a\u2066b');
    assert.equal(visibleBidiControls('evil\u202Eexe.vm\u061C'), 'evil[U+202E]exe.vm[U+061C]');
  });

  it('accepts other non-ASCII names and keeps trailing spaces', () => {
    assert.equal(validateRegisterJob({ ...job, vm_name: 'Zürich-وب-01 ' }).vm_name, 'Zürich-وب-01 ');
  });
});
