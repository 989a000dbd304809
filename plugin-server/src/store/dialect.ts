import type { Knex } from 'knex';

/**
 * The few places MySQL/MariaDB, PostgreSQL and SQLite differ, kept in one module: JSON columns
 * (mysql2 and pg return them parsed, SQLite as text), row locks (not on SQLite, whose transactions
 * hold the whole database), and which errors mean "database unreachable".
 */
export type Dialect = 'mysql' | 'postgres' | 'sqlite';

export function dialectOf(knex: Knex): Dialect {
  const client = knex.client.config.client;
  const name = `${typeof client === 'string' ? client : client?.name ?? ''} ${knex.client.dialect ?? ''}`;
  if (/mysql/i.test(name)) return 'mysql';
  if (/pg|postgres/i.test(name)) return 'postgres';
  return 'sqlite';
}

export function isMysql(knex: Knex): boolean {
  return dialectOf(knex) === 'mysql';
}

export function isPostgres(knex: Knex): boolean {
  return dialectOf(knex) === 'postgres';
}

/**
 * PostgreSQL compares text byte for byte under any deterministic collation, but sorts by the
 * database's locale; identity columns get the "C" collation so that they sort by code point, as
 * MariaDB's binary collation and SQLite do, and every listing comes back in the same order.
 */
export const POSTGRES_EXACT_COLLATION = 'C';

/**
 * On PostgreSQL, gives every `varchar` column of `table` the "C" collation (knex has no collation
 * modifier there); elsewhere nothing. Run by the migration that creates the table, while it is
 * empty or small.
 */
export async function collateTextExactly(knex: Knex, table: string): Promise<void> {
  if (!isPostgres(knex)) return;
  const { rows } = (await knex.raw(
    "SELECT column_name AS name, character_maximum_length AS length FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND data_type = 'character varying' ORDER BY ordinal_position",
    [table],
  )) as { rows: { name: string; length: number | null }[] };
  if (rows.length === 0) return;
  const alter = rows.map((c) => `ALTER COLUMN ?? TYPE varchar${c.length ? `(${Number(c.length)})` : ''} COLLATE "${POSTGRES_EXACT_COLLATION}"`).join(', ');
  await knex.raw(`ALTER TABLE ?? ${alter}`, [table, ...rows.map((c) => c.name)]);
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

/** Locks selected rows until commit (MySQL, PostgreSQL); SQLite transactions already hold the whole database. */
export function forUpdate<T extends Knex.QueryBuilder>(knex: Knex, query: T): T {
  return (dialectOf(knex) !== 'sqlite' ? query.forUpdate() : query) as T;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR',
  // PostgreSQL SQLSTATEs: connection exceptions, too many connections, shutting down, starting up,
  // unknown database, authentication failed.
  '08000', '08001', '08003', '08004', '08006', '53300', '57P01', '57P02', '57P03', '3D000', '28P01', '28000',
]);

/** True when an error means the database cannot be reached now (pool timeout, lost connection). */
export function isUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { name?: string; code?: string; fatal?: boolean; message?: string };
  if (e.name === 'KnexTimeoutError') return true;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.fatal === true) return true;
  return /Connection lost|connect ECONNREFUSED|Pool is closed|acquire|Connection terminated|not queryable|timeout expired/i.test(e.message ?? '');
}

/** Deadlocks and lock waits: the transaction can simply be run again. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  // PostgreSQL: deadlock detected, serialization failure, lock not available.
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === '40P01' || code === '40001' || code === '55P03';
}
