/// <reference path="../types/pg.d.ts" />
import pg from 'pg';

/**
 * Values rendered into PostgreSQL SQL text, for the ingest's multi-statement simple queries
 * (store/postgres-ingest-tx.ts): the simple protocol takes no parameters, so every value goes
 * through pg's own quoting (`escapeLiteral` doubles quotes and backslashes, and writes an E'' string
 * when there is a backslash, right under either `standard_conforming_strings`).
 */

const NEEDS_ESCAPE = /['\\\u0000]/;

/** A SQL literal for one value: NULL, a finite number, TRUE/FALSE, or a quoted string. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot store ${value} in PostgreSQL`);
    // Parenthesised when negative: `x - -1` would start a `--` comment.
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') {
    // Without a quote or a backslash pg's escapeLiteral only wraps the text in quotes: done here, it
    // costs a seventh of its character loop on a job's disks JSON (the bulk of an ingest's values).
    if (!NEEDS_ESCAPE.test(value)) return `'${value}'`;
    // PostgreSQL text cannot hold NUL, and the simple protocol ends the query text at one.
    if (value.includes('\u0000')) throw new TypeError('PostgreSQL text cannot contain the NUL character');
    return pg.escapeLiteral(value);
  }
  throw new TypeError(`cannot render a ${typeof value} as a PostgreSQL literal`);
}

export const identifier = (name: string): string => pg.escapeIdentifier(name);

/**
 * A statement of the shared builders (`??` identifiers, `?` values, as knex's `raw` and mysql2's
 * `format` take them) as literal SQL. The builders write no `?` of their own into the SQL text.
 */
export function render(sql: string, bindings: readonly unknown[]): string {
  let i = 0;
  const out = sql.replace(/\?\??/g, (mark) => {
    if (i >= bindings.length) throw new Error(`too few bindings for ${JSON.stringify(sql.slice(0, 80))}`);
    const value = bindings[i++];
    return mark === '??' ? identifier(String(value)) : literal(value);
  });
  if (i !== bindings.length) throw new Error(`too many bindings for ${JSON.stringify(sql.slice(0, 80))}`);
  return out;
}

/** `(v, v, …)` for one row. */
export const row = (values: readonly unknown[]): string => `(${values.map(literal).join(', ')})`;
