/** The part of pg (no @types/pg in this repository) that store/pg-sql.ts calls. */
declare module 'pg' {
  /** A quoted string literal: quotes and backslashes doubled, ` E'…'` when it holds a backslash. */
  export function escapeLiteral(value: string): string;
  /** A double-quoted identifier. */
  export function escapeIdentifier(name: string): string;
  const pg: { escapeLiteral: typeof escapeLiteral; escapeIdentifier: typeof escapeIdentifier };
  export default pg;
}
