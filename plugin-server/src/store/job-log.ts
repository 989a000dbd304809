import type { Knex } from 'knex';
import type { Statement } from '../fleet/summary-sql.js';
import type { LogRow, LogTrim } from '../joblog/entries.js';
import type { Tables } from './tables.js';

type Db = Knex | Knex.Transaction;

/** Rows per INSERT: 6 values each, well under SQLite's variable limit. */
const LOG_INSERT_CHUNK = 100;

/**
 * The statements that write a commit's log entries and trim logs past their bound (joblog/entries.ts),
 * for knex's `raw` and mysql2's `format` alike: appended to the ingest's own transaction (on MySQL, to
 * its one multi-statement round trip). Inserts first: a trim may drop entries this commit wrote.
 */
export function logStatements(tables: Tables, rows: readonly LogRow[], trims: readonly LogTrim[], mysql: boolean): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < rows.length; i += LOG_INSERT_CHUNK) {
    const chunk = rows.slice(i, i + LOG_INSERT_CHUNK);
    out.push({
      sql: `INSERT INTO ?? (job_id, seq, at, level, source, message) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      bindings: [tables.jobLog, ...chunk.flatMap((r) => [r.job_id, r.seq, r.at, r.level, r.source, r.message])],
    });
  }
  for (const t of trims) {
    if (t.upTo > t.above) out.push({ sql: 'DELETE FROM ?? WHERE job_id = ? AND seq > ? AND seq <= ?', bindings: [tables.jobLog, t.job_id, t.above, t.upTo] });
    if (t.cutToChars !== undefined) {
      // Characters on both: CHAR_LENGTH on MySQL (its LENGTH counts bytes), LENGTH on SQLite.
      const [cut, length] = mysql ? ['CONCAT(SUBSTR(message, 1, ?), ?)', 'CHAR_LENGTH'] : ['SUBSTR(message, 1, ?) || ?', 'LENGTH'];
      out.push({
        sql: `UPDATE ?? SET message = ${cut} WHERE job_id = ? AND ${length}(message) > ?`,
        bindings: [tables.jobLog, t.cutToChars - 1, '…', t.job_id, t.cutToChars],
      });
    }
  }
  return out;
}

function logRowFromDb(raw: Record<string, unknown>): LogRow {
  return {
    job_id: String(raw.job_id), seq: Number(raw.seq), at: Number(raw.at),
    level: raw.level as LogRow['level'], source: raw.source as LogRow['source'], message: String(raw.message),
  };
}

export function jobLogQueries(tables: Tables, mysql: boolean) {
  return {
    /** Writes entries and trims in a transaction of the caller (registration, the stale detector). */
    async write(trx: Knex.Transaction, rows: readonly LogRow[], trims: readonly LogTrim[] = []): Promise<void> {
      for (const s of logStatements(tables, rows, trims, mysql)) await trx.raw(s.sql, s.bindings);
    },

    /** Up to `limit` entries of a job after `afterSeq`, in order (a range of the primary key). */
    async page(db: Db, jobId: string, afterSeq: number, limit: number): Promise<LogRow[]> {
      const rows = await db(tables.jobLog).where('job_id', jobId).andWhere('seq', '>', afterSeq).orderBy('seq').limit(limit);
      return rows.map(logRowFromDb);
    },

    async countOf(db: Db, jobId: string): Promise<number> {
      const row = await db(tables.jobLog).where('job_id', jobId).count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },
  };
}

export type JobLogQueries = ReturnType<typeof jobLogQueries>;
