import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BACKUP_TYPES, DISK_STATUSES, DISK_STATUS_PATTERN, JOB_ID_PATTERN, JOB_STATUSES, JOB_TYPES, LIMITS, TelemetryError,
  validateRegisterJob, validateUpdate, type NormalizedUpdate, type RegisterJobRequest,
} from '@backup-telemetry/contract';
import { anyJsonText, pathSegment, registerBodyText, updateBodyText } from './support/arbitraries.js';

// Show the assertion that failed next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

const NOW = Date.parse('2026-10-10T14:28:00Z');
const UPDATE_KEYS = new Set(['job_id', 'job_type', 'status', 'current_phase', 'bytes_transferred', 'total_bytes', 'transfer_speed_bps', 'eta_seconds', 'progress_percent', 'disks', 'error', 'details', 'timestamp_ms', 'warnings_count', 'log']);
const LOG_KEYS = new Set(['level', 'message', 'at_ms']);
const DISK_KEYS = new Set(['disk_index', 'bytes_transferred', 'total_bytes', 'status', 'progress_percent']);
const REGISTER_KEYS = new Set(['vm_name', 'repository_id', 'backup_type', 'job_type', 'id', 'vm_context_id', 'repository_path', 'disks', 'machine']);
const MACHINE_KEYS = new Set(['cpu_count', 'memory_bytes', 'os', 'disks']);

const byteCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const finiteNonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const percent = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 100;

function onlyKeys(value: object, allowed: Set<string>, where: string): void {
  for (const key of Reflect.ownKeys(value)) assert.ok(typeof key === 'string' && allowed.has(key), `${where} has unexpected key ${String(key)}`);
  const proto = Object.getPrototypeOf(value);
  assert.ok(proto === Object.prototype || proto === null, `${where} has a foreign prototype`);
}

function assertNoPollution(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  assert.deepEqual(Object.keys(Object.prototype), [], 'Object.prototype gained enumerable keys');
}

function assertValidUpdate(u: NormalizedUpdate): void {
  onlyKeys(u, UPDATE_KEYS, 'update');
  assert.match(u.job_id, JOB_ID_PATTERN);
  assert.ok((JOB_TYPES as readonly string[]).includes(u.job_type));
  if (u.status !== undefined) assert.ok((JOB_STATUSES as readonly string[]).includes(u.status), `status ${u.status}`);
  if (u.current_phase !== undefined) assert.ok(typeof u.current_phase === 'string' && u.current_phase.length <= LIMITS.maxPhaseLength);
  for (const key of ['bytes_transferred', 'total_bytes'] as const) if (u[key] !== undefined) assert.ok(byteCount(u[key]), `${key} ${u[key]}`);
  for (const key of ['transfer_speed_bps', 'eta_seconds'] as const) if (u[key] !== undefined) assert.ok(finiteNonNegative(u[key]), `${key} ${u[key]}`);
  if (u.progress_percent !== undefined) assert.ok(percent(u.progress_percent), `progress_percent ${u.progress_percent}`);
  if (u.error !== undefined) assert.ok(u.error === null || (typeof u.error === 'string' && u.error.length <= LIMITS.maxErrorLength));
  if (u.timestamp_ms !== undefined) assert.ok(Number.isInteger(u.timestamp_ms) && Math.abs(u.timestamp_ms - NOW) <= LIMITS.maxAgeMs);
  if (u.disks !== undefined) {
    assert.ok(Array.isArray(u.disks) && u.disks.length <= LIMITS.maxDisks);
    const indexes = new Set<number>();
    for (const d of u.disks) {
      onlyKeys(d, DISK_KEYS, 'disk');
      assert.ok(Number.isInteger(d.disk_index) && d.disk_index >= 0 && d.disk_index <= 1023, `disk_index ${d.disk_index}`);
      assert.ok(!indexes.has(d.disk_index), 'disk indexes are unique');
      indexes.add(d.disk_index);
      for (const key of ['bytes_transferred', 'total_bytes'] as const) if (d[key] !== undefined) assert.ok(byteCount(d[key]), `disk ${key} ${d[key]}`);
      if (d.status !== undefined) assert.match(d.status, DISK_STATUS_PATTERN, 'a disk status is a known one or a well-formed token');
      if (d.progress_percent !== undefined) assert.ok(percent(d.progress_percent));
    }
  }
  if (u.warnings_count !== undefined) assert.ok(Number.isSafeInteger(u.warnings_count) && u.warnings_count >= 0 && u.warnings_count <= LIMITS.maxWarningsCount, `warnings_count ${u.warnings_count}`);
  if (u.log !== undefined) {
    assert.ok(Array.isArray(u.log) && u.log.length <= LIMITS.maxLogEntries, 'log');
    for (const e of u.log) {
      onlyKeys(e, LOG_KEYS, 'log entry');
      assert.ok(['info', 'warning', 'error'].includes(e.level), `log level ${e.level}`);
      assert.ok(typeof e.message === 'string' && e.message.length >= 1 && e.message.length <= LIMITS.maxLogMessageLength, 'log message');
      if (e.at_ms !== undefined) assert.ok(Number.isInteger(e.at_ms) && Math.abs(e.at_ms - NOW) <= LIMITS.maxAgeMs, `log at_ms ${e.at_ms}`);
    }
  }
  if (u.details !== undefined) {
    const keys = Reflect.ownKeys(u.details);
    assert.ok(keys.length <= LIMITS.maxDetails);
    for (const key of keys) {
      assert.ok(typeof key === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(key) && !['constructor', 'prototype'].includes(key), `details key ${String(key)}`);
      const v = u.details[key];
      assert.ok(v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= LIMITS.maxDetailValueLength));
    }
  }
}

function assertValidRegistration(r: RegisterJobRequest): void {
  onlyKeys(r, REGISTER_KEYS, 'registration');
  for (const [key, max] of [['vm_name', LIMITS.maxVmNameLength], ['repository_id', LIMITS.maxRepositoryIdLength]] as const) {
    assert.ok(typeof r[key] === 'string' && r[key].trim() !== '' && r[key].length <= max, `${key} ${JSON.stringify(r[key])}`);
  }
  assert.ok((BACKUP_TYPES as readonly string[]).includes(r.backup_type));
  if (r.job_type !== undefined) assert.ok((JOB_TYPES as readonly string[]).includes(r.job_type));
  if (r.id !== undefined) assert.match(r.id, JOB_ID_PATTERN);
  if (r.vm_context_id !== undefined) assert.ok(typeof r.vm_context_id === 'string' && r.vm_context_id.length <= 255);
  if (r.repository_path !== undefined) assert.ok(typeof r.repository_path === 'string' && r.repository_path.length <= LIMITS.maxRepositoryPathLength);
  for (const d of r.disks ?? []) {
    onlyKeys(d, new Set(['disk_index', 'total_bytes']), 'disk');
    assert.ok(Number.isInteger(d.disk_index) && d.disk_index >= 0 && d.disk_index <= 1023);
    if (d.total_bytes !== undefined) assert.ok(byteCount(d.total_bytes));
  }
  if (r.machine !== undefined) {
    onlyKeys(r.machine, MACHINE_KEYS, 'machine');
    if (r.machine.cpu_count !== undefined) assert.ok(Number.isInteger(r.machine.cpu_count) && r.machine.cpu_count >= 0 && r.machine.cpu_count <= 4096);
    if (r.machine.memory_bytes !== undefined) assert.ok(byteCount(r.machine.memory_bytes));
    if (r.machine.os !== undefined) assert.ok(typeof r.machine.os === 'string' && r.machine.os.length <= LIMITS.maxOsLength);
    for (const d of r.machine.disks ?? []) {
      onlyKeys(d, new Set(['disk_index', 'name', 'size_bytes']), 'machine disk');
      assert.ok(Number.isInteger(d.disk_index) && d.disk_index >= 0 && d.disk_index <= 1023);
      if (d.size_bytes !== undefined) assert.ok(byteCount(d.size_bytes));
    }
  }
}

/** The only acceptable failure: a TelemetryError with status 400 naming a field. */
function assertRefusal(error: unknown): void {
  assert.ok(error instanceof TelemetryError, `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} instead of a TelemetryError`);
  assert.equal(error.status, 400, `status ${error.status} (${error.code}: ${error.message})`);
  assert.ok(typeof error.field === 'string' && error.field.length > 0, `no field on "${error.message}"`);
}

function outcome<T>(run: () => T, check: (value: T) => void): void {
  let value: T;
  try {
    value = run();
  } catch (error) {
    assertRefusal(error);
    assertNoPollution();
    return;
  }
  check(value);
  assertNoPollution();
}

describe('validateUpdate on arbitrary input', () => {
  const routing = { job_id: 'job-1', job_type: 'backup' };

  it('returns only known, in-range fields or refuses with 400 naming the field (JSON bodies with prototype traps)', () => {
    fc.assert(
      fc.property(updateBodyText(NOW, routing), (text) => {
        outcome(() => validateUpdate(JSON.parse(text), { jobId: routing.job_id, jobType: routing.job_type, nowMs: NOW }), assertValidUpdate);
      }),
      { numRuns: 3000 },
    );
  });

  it('does the same for any JavaScript value a socket or a host could pass (Maps, boxed values, null prototypes, bigints)', () => {
    const anything = fc.anything({ maxDepth: 3, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withBigInt: true, withDate: true, withTypedArray: true, withObjectString: true });
    fc.assert(
      fc.property(fc.oneof(anything, fc.dictionary(fc.constantFrom('status', 'bytes_transferred', 'disks', 'details', 'timestamp', 'progress_percent', 'log', 'warnings_count', '__proto__'), anything)), (body) => {
        outcome(() => validateUpdate(body, { jobId: routing.job_id, jobType: routing.job_type, nowMs: NOW }), assertValidUpdate);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses an array with holes (a host calling ingest.submit directly can pass one)', () => {
    fc.assert(
      fc.property(fc.sparseArray(fc.record({ disk_index: fc.integer({ min: 0, max: 3 }) }), { maxLength: 4, noTrailingHole: false }), (disks) => {
        outcome(() => validateUpdate({ disks }, { jobId: routing.job_id, jobType: routing.job_type, nowMs: NOW }), assertValidUpdate);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a route id and type only when they are well formed, and refuses a body that names another job', () => {
    fc.assert(
      fc.property(fc.oneof(pathSegment, fc.anything({ maxDepth: 1 })), fc.oneof(pathSegment, fc.anything({ maxDepth: 1 })), anyJsonText, (jobId, jobType, text) => {
        const body = JSON.parse(text);
        outcome(() => validateUpdate(body, { jobId, jobType, nowMs: NOW }), (u) => {
          assertValidUpdate(u);
          assert.equal(u.job_id, jobId);
          assert.equal(u.job_type, jobType);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every value of a well-formed update exactly', () => {
    const valid = fc.record(
      {
        status: fc.constantFrom(...JOB_STATUSES),
        current_phase: fc.string({ maxLength: LIMITS.maxPhaseLength }),
        bytes_transferred: fc.maxSafeNat(),
        total_bytes: fc.maxSafeNat(),
        transfer_speed_bps: fc.double({ min: 0, max: Number.MAX_SAFE_INTEGER, noNaN: true }),
        progress_percent: fc.double({ min: 0, max: 100, noNaN: true }),
        disks: fc.uniqueArray(fc.record({ disk_index: fc.integer({ min: 0, max: 1023 }), bytes_transferred: fc.maxSafeNat(), progress_percent: fc.integer({ min: 0, max: 100 }) }), { maxLength: LIMITS.maxDisks, selector: (d) => d.disk_index }),
        error: fc.option(fc.string({ maxLength: 100 })),
        details: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/).filter((k) => k !== 'constructor' && k !== 'prototype'), fc.oneof(fc.boolean(), fc.integer(), fc.string({ maxLength: 50 })), { maxKeys: LIMITS.maxDetails }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(valid, (body) => {
        const u = validateUpdate(JSON.parse(JSON.stringify(body)), { jobId: routing.job_id, jobType: routing.job_type, nowMs: NOW });
        assertValidUpdate(u);
        const { job_id, job_type, ...rest } = u;
        assert.deepEqual({ job_id, job_type }, routing);
        assert.deepEqual(rest, JSON.parse(JSON.stringify(body)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('validateRegisterJob on arbitrary input', () => {
  it('returns only known, in-range fields or refuses with 400 naming the field', () => {
    fc.assert(
      fc.property(registerBodyText, (text) => {
        outcome(() => validateRegisterJob(JSON.parse(text)), assertValidRegistration);
      }),
      { numRuns: 3000 },
    );
  });

  it('does the same for any JavaScript value', () => {
    const anything = fc.anything({ maxDepth: 3, withBoxedValues: true, withMap: true, withNullPrototype: true, withBigInt: true, withObjectString: true });
    fc.assert(
      fc.property(fc.oneof(anything, fc.dictionary(fc.constantFrom('vm_name', 'repository_id', 'backup_type', 'disks', 'machine', 'id', '__proto__'), anything)), (body) => {
        outcome(() => validateRegisterJob(body), assertValidRegistration);
      }),
      { numRuns: 2000 },
    );
  });
});
