import { MACHINE_SORTS, PROTECTION_STATUSES, invalid, type MachineSort, type ProtectionStatus } from '@backup-telemetry/contract';

/** `GET /machines` page sizes. */
export const MACHINE_PAGE = { defaultLimit: 100, maxLimit: 500 } as const;
/** Longest `q` (a VM name is at most 255 characters). */
const MAX_Q_CHARS = 255;
const MAX_CURSOR_CHARS = 1200;

export type SortOrder = 'asc' | 'desc';

/** Where the previous page ended: its last row's sort key (null for `sort=name`) and name. */
export interface MachineCursor {
  key: number | null;
  vm_name: string;
}

/** `GET /machines` parameters, checked. */
export interface MachineListQuery {
  statuses: ProtectionStatus[] | null;
  q: string | null;
  sort: MachineSort;
  order: SortOrder;
  limit: number;
  after: MachineCursor | null;
}

type Query = Record<string, unknown>;

function single(query: Query, key: string, maxLength: number): string | undefined {
  const value = query[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(key, 'must be given once, as text');
  if (value.length > maxLength) throw invalid(key, `must be at most ${maxLength} characters`);
  return value;
}

/** Dates list newest first unless told otherwise; names and statuses (most urgent first) ascending. */
export const defaultOrder = (sort: MachineSort): SortOrder => (sort === 'last_backup' || sort === 'last_success' ? 'desc' : 'asc');

/** The opaque `next_cursor`: base64url of the sort it belongs to and the last row's key. */
export function encodeCursor(sort: MachineSort, order: SortOrder, cursor: MachineCursor): string {
  return Buffer.from(JSON.stringify([sort, order, cursor.key, cursor.vm_name]), 'utf8').toString('base64url');
}

function decodeCursor(raw: string, sort: MachineSort, order: SortOrder): MachineCursor {
  const refuse = () => invalid('cursor', 'is not a next_cursor of this listing (pass it as given, with the same sort and order)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw refuse();
  const [s, o, key, vm_name] = parsed as unknown[];
  if (s !== sort || o !== order || typeof vm_name !== 'string' || vm_name.length === 0 || vm_name.length > 255) throw refuse();
  if (sort === 'name' ? key !== null : typeof key !== 'number' || !Number.isSafeInteger(key)) throw refuse();
  return { key: key as number | null, vm_name };
}

/** Checks `status`, `q`, `sort`, `order`, `limit` and `cursor`; a bad one is a 400 naming it. */
export function parseMachineQuery(query: Query): MachineListQuery {
  const rawStatus = single(query, 'status', 100);
  const statuses = rawStatus === undefined ? null : rawStatus.split(',');
  for (const s of statuses ?? []) {
    if (!(PROTECTION_STATUSES as readonly string[]).includes(s)) throw invalid('status', `must be one or more (comma-separated) of ${PROTECTION_STATUSES.join(', ')}`);
  }
  const sort = (single(query, 'sort', 20) ?? 'name') as MachineSort;
  if (!MACHINE_SORTS.includes(sort)) throw invalid('sort', `must be one of ${MACHINE_SORTS.join(', ')}`);
  const order = (single(query, 'order', 10) ?? defaultOrder(sort)) as SortOrder;
  if (order !== 'asc' && order !== 'desc') throw invalid('order', 'must be asc or desc');
  const rawLimit = single(query, 'limit', 10);
  if (rawLimit !== undefined && (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MACHINE_PAGE.maxLimit)) {
    throw invalid('limit', `must be a whole number from 1 to ${MACHINE_PAGE.maxLimit}`);
  }
  const rawCursor = single(query, 'cursor', MAX_CURSOR_CHARS);
  return {
    statuses: statuses ? [...new Set(statuses)] as ProtectionStatus[] : null,
    q: single(query, 'q', MAX_Q_CHARS) ?? null,
    sort,
    order,
    limit: rawLimit === undefined ? MACHINE_PAGE.defaultLimit : Number(rawLimit),
    after: rawCursor === undefined ? null : decodeCursor(rawCursor, sort, order),
  };
}

/** The escape character of `q`'s LIKE pattern: not `\`, which MySQL string literals would take as their own escape. */
export const LIKE_ESCAPE = '!';

/** A case-insensitive substring pattern matching `q` literally (its `%`, `_` and `!` escaped). */
export function containsPattern(q: string): string {
  return `%${q.toLowerCase().replace(/[!%_]/g, (c) => LIKE_ESCAPE + c)}%`;
}
