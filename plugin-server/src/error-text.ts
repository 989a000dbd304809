/** Most characters of an error's text a log line carries. */
export const LOGGED_ERROR_MAX_CHARS = 600;
const HEAD_CHARS = 350;

/**
 * Cuts a long text to its head and tail. A query error's message is its whole SQL followed by the
 * database's reason (knex: `insert into … - SQLITE_ERROR: too many SQL variables`), so both ends are kept.
 */
export function capped(text: string, maxChars = LOGGED_ERROR_MAX_CHARS): string {
  if (text.length <= maxChars) return text;
  const tail = maxChars - HEAD_CHARS;
  return `${text.slice(0, HEAD_CHARS)} …[${text.length - maxChars} characters cut]… ${text.slice(-tail)}`;
}

/** An error as one bounded line of text for a log: its name and message, never a query's whole SQL. */
export function errorText(error: unknown): string {
  return capped(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
