import type { Knex } from 'knex';

/**
 * The few places MySQL/MariaDB and SQLite differ, kept in one module: JSON columns (mysql2 returns
 * them parsed, SQLite as text), row locks (MySQL only), and which errors mean "database unreachable".
 */
export function isMysql(knex: Knex): boolean {
  const client = knex.client.config.client;
  const name = typeof client === 'string' ? client : client?.name ?? '';
  return /mysql/i.test(String(name)) || /mysql/i.test(knex.client.dialect ?? '');
}

/** Binary NO PAD collations, best first: MariaDB ≥ 10.2, MySQL ≥ 8.0. */
const EXACT_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'];

/**
 * The collation under which text compares exactly on this MySQL/MariaDB server: no case folding and
 * no trailing-space padding. MySQL 5.7 has neither NO PAD collation, so it gets `utf8mb4_bin` (exact
 * case, but `"a "` still equals `"a"`).
 */
export async function exactCollation(knex: Knex): Promise<string> {
  const [rows] = await knex.raw('SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (?)', [EXACT_COLLATIONS]);
  const found = new Set((rows as { name: string }[]).map((r) => r.name));
  return EXACT_COLLATIONS.find((c) => found.has(c)) ?? 'utf8mb4_bin';
}

export function readJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : (JSON.parse(value) as T);
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8')) as T;
  return value as T;
}

export function writeJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Locks selected rows until commit on MySQL; SQLite transactions already hold the whole database. */
export function forUpdate<T extends Knex.QueryBuilder>(knex: Knex, query: T): T {
  return (isMysql(knex) ? query.forUpdate() : query) as T;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR',
]);

/** True when an error means the database cannot be reached now (pool timeout, lost connection). */
export function isUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { name?: string; code?: string; fatal?: boolean; message?: string };
  if (e.name === 'KnexTimeoutError') return true;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.fatal === true) return true;
  return /Connection lost|connect ECONNREFUSED|Pool is closed|acquire/i.test(e.message ?? '');
}

/** Deadlocks and lock waits: the transaction can simply be run again. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}
