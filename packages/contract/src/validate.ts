import { invalid, TelemetryError } from './errors.js';
import { validatePolicy } from './fleet.js';
import { BOTTLENECK_STAGES, type StageBusy } from './insight.js';
import {
  BACKUP_TYPES, DISK_STATUS_PATTERN, JOB_STATUSES, JOB_TYPES, LOG_LEVELS,
  type BackupType, type DiskProgress, type DiskStatus, type JobType, type MachineInfo, type NormalizedLogEntry, type NormalizedUpdate, type ValidRegisterJob,
} from './types.js';

/** Caps on untrusted input, shared by server and client. */
export const LIMITS = {
  maxDisks: 64,
  maxVmNameLength: 255,
  maxRepositoryIdLength: 255,
  maxRepositoryPathLength: 1024,
  maxPhaseLength: 64,
  maxErrorLength: 4096,
  maxOsLength: 255,
  maxDetails: 32,
  maxDetailValueLength: 256,
  /** Session log lines one update may carry, and the length of each. */
  maxLogEntries: 10,
  maxLogMessageLength: 1000,
  maxWarningsCount: 1_000_000_000,
  /** Updates stamped further ahead of the server's clock are rejected. */
  maxFutureSkewMs: 5 * 60_000,
  /** Updates stamped further back are rejected. */
  maxAgeMs: 7 * 24 * 3600_000,
} as const;

/** Job ids are 1–64 characters of letters, digits and `. _ : -`. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const DETAIL_KEY_PATTERN = /^[A-Za-z0-9_]{1,64}$/;
const ISO_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

type Input = Record<string, unknown>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Unicode bidirectional controls (embeddings, overrides, isolates, marks): in a name they reorder
 * what a viewer sees (`evil\u202Eexe.vm` shows as "evilmv.exe"). Names and identifiers refuse them;
 * free text (error messages, `details` values) keeps them and viewers neutralise them on display.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
const BIDI_CONTROLS_GLOBAL = new RegExp(BIDI_CONTROLS.source, 'g');

/** `text` with each bidi control shown as its code point (`[U+202E]`), so nothing reorders it. */
export function visibleBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS_GLOBAL, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/**
 * Replaces lone UTF-16 surrogates (invalid Unicode that databases store differently, or refuse) and
 * NUL (which PostgreSQL cannot store in text) with U+FFFD, so every database keeps the same text.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(/\u0000/g, '\uFFFD');
}

/** Array elements, holes included (as undefined), so `[,]` is checked like `[undefined]`. */
function elements(value: unknown[]): unknown[] {
  return Array.from(value);
}

function isPlainObject(value: unknown): value is Input {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function own(obj: Input, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function number(obj: Input, key: string, path: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = own(obj, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalid(path, 'must be a number');
  if (!Number.isFinite(value)) throw invalid(path, 'must be a finite number');
  if (value < 0) throw invalid(path, 'must not be negative');
  if (value > max) throw invalid(path, `must be at most ${max}`);
  return value;
}

function integer(obj: Input, key: string, path: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = number(obj, key, path, max);
  if (value !== undefined && !Number.isInteger(value)) throw invalid(path, 'must be a whole number');
  return value;
}

/** A name or identifier (VM, repository, phase, OS, disk): a string without bidi controls. */
function name(obj: Input, key: string, path: string, maxLength: number, required = false): string | undefined {
  const value = own(obj, key);
  if (value === undefined || value === null) {
    if (required) throw invalid(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw invalid(path, 'must be a string');
  if (required && value.trim() === '') throw invalid(path, 'must not be empty');
  if (value.length > maxLength) throw invalid(path, `must be at most ${maxLength} characters`);
  if (BIDI_CONTROLS.test(value)) throw invalid(path, 'must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)');
  return wellFormed(value);
}

function oneOf<T extends string>(obj: Input, key: string, path: string, allowed: readonly T[], required = false): T | undefined {
  const value = own(obj, key);
  if (value === undefined) {
    if (required) throw invalid(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(path, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A disk's status: a known one or any other well-formed token (`DISK_STATUS_PATTERN`), stored as sent. */
function diskStatus(obj: Input, path: string): DiskStatus | undefined {
  const value = own(obj, 'status');
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(path, 'must be a string');
  if (!DISK_STATUS_PATTERN.test(value)) throw invalid(path, 'must be 1-16 lowercase letters, digits, _ or - (starting with a letter), e.g. transferring');
  return value;
}

/** Checks a job id from a path, a body or an event. */
export function validateJobId(value: unknown, field = 'job_id'): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (!JOB_ID_PATTERN.test(value)) throw invalid(field, 'must be 1-64 letters, digits or . _ : - (starting with a letter or digit)');
  return value;
}

export function validateJobType(value: unknown, field = 'job_type'): JobType {
  if (typeof value !== 'string' || !(JOB_TYPES as readonly string[]).includes(value)) {
    throw invalid(field, `must be one of ${JOB_TYPES.join(', ')}`);
  }
  return value as JobType;
}

/** Parses an ISO 8601 string or epoch milliseconds, within the accepted clock window. */
export function parseTimestamp(value: unknown, nowMs: number, field = 'timestamp'): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value < 0) throw invalid(field, 'must be epoch milliseconds or an ISO 8601 string');
    ms = value;
  } else if (typeof value === 'string') {
    if (!ISO_PATTERN.test(value)) throw invalid(field, 'must be an ISO 8601 date-time with a time zone, e.g. 2026-10-10T14:28:00Z');
    ms = Date.parse(value);
    if (Number.isNaN(ms)) throw invalid(field, 'is not a real date');
  } else {
    throw invalid(field, 'must be epoch milliseconds or an ISO 8601 string');
  }
  if (ms > nowMs + LIMITS.maxFutureSkewMs) throw invalid(field, 'is more than 5 minutes in the future (check the client clock)');
  if (ms < nowMs - LIMITS.maxAgeMs) throw invalid(field, 'is more than 7 days in the past');
  return ms;
}

function validateDisks(value: unknown, path: string, allowProgress: boolean): DiskProgress[] {
  if (!Array.isArray(value)) throw invalid(path, 'must be an array');
  if (value.length > LIMITS.maxDisks) throw invalid(path, `must have at most ${LIMITS.maxDisks} disks`);
  const seen = new Set<number>();
  return elements(value).map((raw, i) => {
    const p = `${path}[${i}]`;
    if (!isPlainObject(raw)) throw invalid(p, 'must be an object');
    const disk_index = integer(raw, 'disk_index', `${p}.disk_index`, 1023);
    if (disk_index === undefined) throw invalid(`${p}.disk_index`, 'is required');
    if (seen.has(disk_index)) throw invalid(`${p}.disk_index`, `duplicates disk_index ${disk_index}`);
    seen.add(disk_index);
    const disk: DiskProgress = { disk_index };
    const total = integer(raw, 'total_bytes', `${p}.total_bytes`);
    if (total !== undefined) disk.total_bytes = total;
    if (!allowProgress) return disk;
    const bytes = integer(raw, 'bytes_transferred', `${p}.bytes_transferred`);
    if (bytes !== undefined) disk.bytes_transferred = bytes;
    const status = diskStatus(raw, `${p}.status`);
    if (status !== undefined) disk.status = status;
    const percent = number(raw, 'progress_percent', `${p}.progress_percent`, 100);
    if (percent !== undefined) disk.progress_percent = percent;
    return disk;
  });
}

function validateDetails(value: unknown): NormalizedUpdate['details'] {
  if (!isPlainObject(value)) throw invalid('details', 'must be an object');
  const keys = Object.keys(value);
  if (keys.length > LIMITS.maxDetails) throw invalid('details', `must have at most ${LIMITS.maxDetails} keys`);
  const out: Record<string, string | number | boolean | null> = Object.create(null);
  for (const key of keys) {
    if (!DETAIL_KEY_PATTERN.test(key) || key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw invalid(`details.${key.slice(0, 64)}`, 'is not an accepted key (letters, digits, _)');
    }
    const v = value[key];
    if (typeof v === 'number' && !Number.isFinite(v)) throw invalid(`details.${key}`, 'must be a finite number');
    if (typeof v === 'string' && v.length > LIMITS.maxDetailValueLength) throw invalid(`details.${key}`, `must be at most ${LIMITS.maxDetailValueLength} characters`);
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) throw invalid(`details.${key}`, 'must be a string, number, boolean or null');
    out[key] = typeof v === 'string' ? wellFormed(v) : (v as number | boolean | null);
  }
  return { ...out };
}

/** `bottleneck`: every stage's busy percent, 0–100. */
function validateBottleneck(value: unknown): StageBusy {
  if (!isPlainObject(value)) throw invalid('bottleneck', `must be an object with ${BOTTLENECK_STAGES.join(', ')} (0–100 each)`);
  const out = {} as StageBusy;
  for (const stage of BOTTLENECK_STAGES) {
    const busy = number(value, stage, `bottleneck.${stage}`, 100);
    if (busy === undefined) throw invalid(`bottleneck.${stage}`, 'is required (busy percent, 0–100)');
    out[stage] = busy;
  }
  return out;
}

/**
 * Session log lines: free text like `error` (kept well-formed; control and bidi characters stay, shown
 * as text by viewers), each with a level and an optional time checked like `timestamp`.
 */
function validateLog(value: unknown, nowMs: number): NormalizedLogEntry[] {
  if (!Array.isArray(value)) throw invalid('log', 'must be an array');
  if (value.length > LIMITS.maxLogEntries) throw invalid('log', `must have at most ${LIMITS.maxLogEntries} entries per update`);
  return elements(value).map((raw, i) => {
    const p = `log[${i}]`;
    if (!isPlainObject(raw)) throw invalid(p, 'must be an object');
    const level = oneOf(raw, 'level', `${p}.level`, LOG_LEVELS, true)!;
    const message = own(raw, 'message');
    if (typeof message !== 'string') throw invalid(`${p}.message`, message === undefined ? 'is required' : 'must be a string');
    if (message === '') throw invalid(`${p}.message`, 'must not be empty');
    if (message.length > LIMITS.maxLogMessageLength) throw invalid(`${p}.message`, `must be at most ${LIMITS.maxLogMessageLength} characters`);
    const entry: NormalizedLogEntry = { level, message: wellFormed(message) };
    const at = own(raw, 'at');
    if (at !== undefined && at !== null) entry.at_ms = parseTimestamp(at, nowMs, `${p}.at`);
    return entry;
  });
}

export interface ValidateUpdateOptions {
  /** Job id and type from the route or event; body fields, when present, must agree. */
  jobId: unknown;
  jobType: unknown;
  nowMs?: number;
}

/**
 * Validates one telemetry update. Throws a TelemetryError (400) naming the first bad field; returns
 * a fresh object holding only known fields, so nothing from the input's prototype chain survives.
 */
export function validateUpdate(body: unknown, options: ValidateUpdateOptions): NormalizedUpdate {
  const job_id = validateJobId(options.jobId);
  const job_type = validateJobType(options.jobType);
  if (!isPlainObject(body)) throw new TelemetryError('invalid_body', 'body must be a JSON object', { field: 'body' });
  const bodyId = own(body, 'job_id');
  if (bodyId !== undefined && bodyId !== job_id) throw invalid('job_id', 'in the body does not match the job id of the route');
  const bodyType = own(body, 'job_type');
  if (bodyType !== undefined && bodyType !== job_type) throw invalid('job_type', 'in the body does not match the job type of the route');

  const update: NormalizedUpdate = { job_id, job_type };
  const status = oneOf(body, 'status', 'status', JOB_STATUSES);
  if (status !== undefined) update.status = status;
  const phase = name(body, 'current_phase', 'current_phase', LIMITS.maxPhaseLength);
  if (phase !== undefined) update.current_phase = phase;
  const bytes = integer(body, 'bytes_transferred', 'bytes_transferred');
  if (bytes !== undefined) update.bytes_transferred = bytes;
  const total = integer(body, 'total_bytes', 'total_bytes');
  if (total !== undefined) update.total_bytes = total;
  const speed = number(body, 'transfer_speed_bps', 'transfer_speed_bps');
  if (speed !== undefined) update.transfer_speed_bps = speed;
  const eta = number(body, 'eta_seconds', 'eta_seconds');
  if (eta !== undefined) update.eta_seconds = eta;
  const percent = number(body, 'progress_percent', 'progress_percent', 100);
  if (percent !== undefined) update.progress_percent = percent;
  const disks = own(body, 'disks');
  if (disks !== undefined && disks !== null) update.disks = validateDisks(disks, 'disks', true);
  const error = own(body, 'error');
  if (error !== undefined) {
    if (error !== null && typeof error !== 'string') throw invalid('error', 'must be a string or null');
    if (typeof error === 'string' && error.length > LIMITS.maxErrorLength) throw invalid('error', `must be at most ${LIMITS.maxErrorLength} characters`);
    update.error = typeof error === 'string' ? wellFormed(error) : error;
  }
  const details = own(body, 'details');
  if (details !== undefined && details !== null) update.details = validateDetails(details);
  const bottleneck = own(body, 'bottleneck');
  if (bottleneck !== undefined && bottleneck !== null) update.bottleneck = validateBottleneck(bottleneck);
  const timestamp = own(body, 'timestamp');
  if (timestamp !== undefined && timestamp !== null) update.timestamp_ms = parseTimestamp(timestamp, options.nowMs ?? Date.now());
  const warnings = integer(body, 'warnings_count', 'warnings_count', LIMITS.maxWarningsCount);
  if (warnings !== undefined) update.warnings_count = warnings;
  const log = own(body, 'log');
  if (log !== undefined && log !== null) update.log = validateLog(log, options.nowMs ?? Date.now());
  return update;
}

function validateMachine(value: unknown): MachineInfo {
  if (!isPlainObject(value)) throw invalid('machine', 'must be an object');
  const machine: MachineInfo = {};
  const cpu = integer(value, 'cpu_count', 'machine.cpu_count', 4096);
  if (cpu !== undefined) machine.cpu_count = cpu;
  const memory = integer(value, 'memory_bytes', 'machine.memory_bytes');
  if (memory !== undefined) machine.memory_bytes = memory;
  const os = name(value, 'os', 'machine.os', LIMITS.maxOsLength);
  if (os !== undefined) machine.os = os;
  const disks = own(value, 'disks');
  if (disks !== undefined && disks !== null) {
    if (!Array.isArray(disks)) throw invalid('machine.disks', 'must be an array');
    if (disks.length > LIMITS.maxDisks) throw invalid('machine.disks', `must have at most ${LIMITS.maxDisks} disks`);
    machine.disks = elements(disks).map((raw, i) => {
      const p = `machine.disks[${i}]`;
      if (!isPlainObject(raw)) throw invalid(p, 'must be an object');
      const disk_index = integer(raw, 'disk_index', `${p}.disk_index`, 1023);
      if (disk_index === undefined) throw invalid(`${p}.disk_index`, 'is required');
      const disk: { disk_index: number; name?: string; size_bytes?: number } = { disk_index };
      const diskName = name(raw, 'name', `${p}.name`, 255);
      if (diskName !== undefined) disk.name = diskName;
      const size = integer(raw, 'size_bytes', `${p}.size_bytes`);
      if (size !== undefined) disk.size_bytes = size;
      return disk;
    });
  }
  return machine;
}

/** A VM name as registrations accept it (`PUT /machines/:vm_name/policy` names the path's one `field`). */
export function validateVmName(value: unknown, field = 'vm_name'): string {
  return name({ vm_name: value }, 'vm_name', field, LIMITS.maxVmNameLength, true)!;
}

/** Validates the body of `POST /backups`. */
export function validateRegisterJob(body: unknown, nowMs = Date.now()): ValidRegisterJob {
  if (!isPlainObject(body)) throw new TelemetryError('invalid_body', 'body must be a JSON object', { field: 'body' });
  const request: ValidRegisterJob = {
    vm_name: name(body, 'vm_name', 'vm_name', LIMITS.maxVmNameLength, true)!,
    repository_id: name(body, 'repository_id', 'repository_id', LIMITS.maxRepositoryIdLength, true)!,
    backup_type: oneOf<BackupType>(body, 'backup_type', 'backup_type', BACKUP_TYPES, true)!,
  };
  const jobType = own(body, 'job_type');
  if (jobType !== undefined) request.job_type = validateJobType(jobType);
  const id = own(body, 'id');
  if (id !== undefined) request.id = validateJobId(id, 'id');
  const context = name(body, 'vm_context_id', 'vm_context_id', 255);
  if (context !== undefined) request.vm_context_id = context;
  const path = name(body, 'repository_path', 'repository_path', LIMITS.maxRepositoryPathLength);
  if (path !== undefined) request.repository_path = path;
  const disks = own(body, 'disks');
  if (disks !== undefined && disks !== null) {
    request.disks = validateDisks(disks, 'disks', false).map((d) => ({ disk_index: d.disk_index, total_bytes: d.total_bytes }));
  }
  const machine = own(body, 'machine');
  if (machine !== undefined && machine !== null) request.machine = validateMachine(machine);
  const startedAt = own(body, 'started_at');
  if (startedAt !== undefined && startedAt !== null) request.started_at_ms = parseTimestamp(startedAt, nowMs, 'started_at');
  const protection = own(body, 'protection');
  if (protection !== undefined && protection !== null) request.protection = validatePolicy(protection, 'protection');
  return request;
}
