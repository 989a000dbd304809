import fc from 'fast-check';
import { BACKUP_TYPES, DISK_STATUSES, JOB_STATUSES, JOB_TYPES } from '@backup-telemetry/contract';

/**
 * fast-check arbitraries of hostile telemetry, as JSON text: building the text ourselves lets a body
 * carry own `__proto__` / `constructor` keys at any depth, exactly as `JSON.parse` would hand them over.
 */

const PROTO_TRAPS = ['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"prototype":{"polluted":1}}'];

/** Numbers around every boundary the validator and the database care about. */
export const edgyNumber = fc.oneof(
  fc.integer({ min: -5, max: 20_000 }),
  fc.double(),
  fc.constantFrom(-0, 0, -1, 0.5, 99.999, 100, 100.0001, 1023, 1024, 2 ** 31, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, Number.MIN_VALUE),
);

/** Any JSON scalar, as text. Non-finite numbers become `null`, as JSON.stringify makes them. */
const scalarText = fc.oneof(
  edgyNumber.map((n) => JSON.stringify(n)),
  fc.constantFrom('1e400', '-1e400', '1E2', '-0', '0.0', '9007199254740993', '1.0000000000000002'),
  fc.string({ maxLength: 40, unit: 'binary' }).map((s) => JSON.stringify(s)),
  fc.constantFrom(...JOB_STATUSES, 'RUNNING', 'done', '', ' ', '12', '__proto__').map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null'),
);

const keyText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'polluted', 'job_id', 'status', 'disk_index'),
);

function objectText(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** Any JSON value as text, up to two levels deep, with prototype traps among the objects. */
export const anyJsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(keyText, tie('value')), { maxLength: 4 }).map(objectText),
    fc.constantFrom(...PROTO_TRAPS),
  ),
})).value;

/** Mostly a valid value, sometimes anything at all. */
function mostly(valid: fc.Arbitrary<unknown>, weight = 12): fc.Arbitrary<string> {
  return fc.oneof({ weight, arbitrary: valid.map((v) => JSON.stringify(v)) }, { weight: 1, arbitrary: anyJsonText });
}

const byteCount = fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 1_000_000 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 40, 2 ** 53 - 1) });
const percent = fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.integer({ min: 0, max: 100 }));
const runningMostly = fc.oneof({ weight: 8, arbitrary: fc.constant('running') }, { weight: 1, arbitrary: fc.constantFrom(...JOB_STATUSES) });

/** Each field present or absent (absent once in `freq`), as [key, JSON text] entries. */
function optionalFields(fields: Record<string, fc.Arbitrary<string>>, freq = 2): fc.Arbitrary<[string, string][]> {
  const names = Object.keys(fields);
  return fc
    .tuple(...names.map((name) => fc.option(fields[name]!, { freq })))
    .map((values) => values.flatMap((v, i) => (v === null ? [] : [[names[i]!, v] as [string, string]])));
}

const diskText = optionalFields({
  disk_index: mostly(fc.integer({ min: 0, max: 3 }), 8),
  bytes_transferred: mostly(byteCount),
  total_bytes: mostly(byteCount),
  status: mostly(fc.constantFrom(...DISK_STATUSES)),
  progress_percent: mostly(percent),
}).map(objectText);

const detailsText = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/) }, { weight: 1, arbitrary: keyText }),
      // Well-formed strings only: a lone surrogate here is a known bug on MariaDB (see fuzz-ingest's todo).
      fc.oneof(fc.string({ maxLength: 30, unit: 'grapheme' }), fc.double(), fc.boolean(), fc.constant(null)).map((v) => JSON.stringify(v)),
    ),
    { maxLength: 5 },
  )
  .map(objectText);

/** Session log lines: mostly valid (levels, texts with markup and control characters), with wrong types and lengths. */
function logText(nowMs: number): fc.Arbitrary<string> {
  const line = optionalFields({
    level: mostly(fc.constantFrom('info', 'warning', 'error'), 8),
    message: mostly(fc.oneof(
      fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).map((v) => JSON.stringify(v)),
      fc.constantFrom('"<b>bold</b> \\u0007 bell"', '""', JSON.stringify('x'.repeat(1001))),
    ), 8),
    at: timestampText(nowMs),
  }).map(objectText);
  return fc.oneof({ weight: 4, arbitrary: fc.array(line, { maxLength: 12 }).map((l) => `[${l.join(',')}]`) }, { weight: 1, arbitrary: anyJsonText });
}

function timestampText(nowMs: number): fc.Arbitrary<string> {
  const near = fc.integer({ min: nowMs - 10 * 60_000, max: nowMs + 10 * 60_000 });
  return fc.oneof(
    { weight: 3, arbitrary: near.map((ms) => JSON.stringify(ms)) },
    { weight: 3, arbitrary: near.map((ms) => JSON.stringify(new Date(ms).toISOString())) },
    fc.constantFrom('"2026-13-45T99:99Z"', '"yesterday"', '1e20', '-1', '"2026-01-01T00:00:00"', '"2026-01-01T00:00:00+25:99"'),
    anyJsonText,
  );
}

/**
 * The text of one telemetry update body: known fields (mostly valid values) mixed with unknown keys,
 * prototype traps and wrong types, in random order, sometimes not an object at all.
 */
export function updateBodyText(nowMs: number, routing?: { job_id: string; job_type: string }): fc.Arbitrary<string> {
  const known = optionalFields({
    status: mostly(runningMostly),
    current_phase: mostly(fc.constantFrom('snapshot', 'transferring', 'verify', 'x'.repeat(64), '🙂'.repeat(32))),
    bytes_transferred: mostly(byteCount),
    total_bytes: mostly(byteCount),
    transfer_speed_bps: mostly(fc.double({ min: 0, max: 2e9, noNaN: true })),
    eta_seconds: mostly(fc.nat({ max: 100_000 })),
    progress_percent: mostly(percent),
    disks: fc.oneof({ weight: 4, arbitrary: fc.array(diskText, { maxLength: 4 }).map((d) => `[${d.join(',')}]`) }, { weight: 1, arbitrary: anyJsonText }),
    error: mostly(fc.oneof(fc.constant(null), fc.string({ maxLength: 50, unit: 'binary' }))),
    details: fc.oneof({ weight: 3, arbitrary: detailsText }, { weight: 1, arbitrary: anyJsonText }),
    timestamp: timestampText(nowMs),
    warnings_count: mostly(fc.oneof(fc.nat({ max: 50 }).map(String), fc.constantFrom('-1', '1.5', '1e12', '"3"'))),
    log: logText(nowMs),
    job_id: routing ? mostly(fc.constant(routing.job_id), 6) : anyJsonText,
    job_type: routing ? mostly(fc.constant(routing.job_type), 6) : anyJsonText,
  });
  const extra = fc.array(fc.tuple(keyText, anyJsonText), { maxLength: 3 });
  const body = fc.tuple(known, extra).chain(([k, e]) => fc.shuffledSubarray([...k, ...e], { minLength: k.length + e.length })).map(objectText);
  return fc.oneof({ weight: 12, arbitrary: body }, { weight: 1, arbitrary: anyJsonText });
}

/** The text of a `POST /backups` body, mostly well formed. */
export const registerBodyText: fc.Arbitrary<string> = (() => {
  const shortText = fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }).filter((t) => t.trim() !== '' && t.length <= 255) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'x'.repeat(256), 'web-01', '🙂'.repeat(127)) },
  );
  const machineDisk = optionalFields({
    disk_index: mostly(fc.integer({ min: 0, max: 3 })),
    name: mostly(shortText),
    size_bytes: mostly(byteCount),
  }).map(objectText);
  const machine = optionalFields({
    cpu_count: mostly(fc.integer({ min: 0, max: 5000 })),
    memory_bytes: mostly(byteCount),
    os: mostly(shortText),
    disks: fc.oneof({ weight: 3, arbitrary: fc.array(machineDisk, { maxLength: 3 }).map((d) => `[${d.join(',')}]`) }, { weight: 1, arbitrary: anyJsonText }),
  }).map(objectText);
  const required = optionalFields({
    vm_name: mostly(shortText, 30),
    repository_id: mostly(shortText, 30),
    backup_type: mostly(fc.constantFrom(...BACKUP_TYPES), 30),
  }, 30);
  const optional = optionalFields({
    job_type: mostly(fc.constantFrom(...JOB_TYPES)),
    id: mostly(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/)),
    vm_context_id: mostly(shortText),
    repository_path: mostly(shortText),
    disks: fc.oneof({ weight: 4, arbitrary: fc.array(diskText, { maxLength: 4 }).map((d) => `[${d.join(',')}]`) }, { weight: 1, arbitrary: anyJsonText }),
    machine: fc.oneof({ weight: 3, arbitrary: machine }, { weight: 1, arbitrary: anyJsonText }),
  });
  const extra = fc.array(fc.tuple(keyText, anyJsonText), { maxLength: 2 });
  return fc.tuple(required, optional, extra).map(([r, o, e]) => objectText([...r, ...o, ...e]));
})();

/** Job ids and types as a path or an event could carry them: valid, near-valid, and hostile. */
export const pathSegment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,70}$/),
  fc.string({ maxLength: 20, unit: 'binary' }),
  fc.constantFrom(...JOB_TYPES, 'BACKUP', '..', '.', '__proto__', 'constructor', 'x'.repeat(65), 'a b', 'é', '🙂', '%00', 'a/b', ' job'),
);
