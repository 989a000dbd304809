import type { Knex } from 'knex';
import { summaryStatements } from '../fleet/summary-sql.js';
import { completedHistoryQuery, groupHistory } from './insight.js';
import { logStatements } from './job-log.js';
import type { IngestTransaction, IngestWrites } from './ingest-tx.js';
import { JOB_ROW_COLUMNS, MUTABLE_JOB_ROW_COLUMNS, disksByJob, jobToDb } from './jobs.js';
import { identifier as id, literal, render, row } from './pg-sql.js';
import { snapshotFromDb, storedJobFromDb, type SnapshotRow } from './rows.js';
import { INSERT_CHUNK, SNAPSHOT_COLUMNS, SNAPSHOT_COLUMNS_WITH_BUSY } from './snapshots.js';
import { rowVersionCheck, type Tables } from './tables.js';

interface PgResult {
  rows: Record<string, unknown>[];
}

/** The part of a pg client (as knex's pool hands it out) this module uses. */
interface PgConnection {
  /** Without values: the simple protocol, any number of `;`-separated statements, one result each. */
  query(text: string): Promise<PgResult | PgResult[]>;
  query(text: string, values: unknown[]): Promise<PgResult>;
}

const quoted = (columns: readonly string[]) => columns.map(id).join(', ');

/** `INSERT … VALUES <rows> …`: the text around the rows is built once per table set; a batch only renders its rows. */
interface RowsStatement {
  head: string;
  tail: string;
}
const insertInto = (table: string, columns: readonly string[], tail = ''): RowsStatement =>
  ({ head: `INSERT INTO ${id(table)} (${quoted(columns)}) VALUES `, tail });

const statements = new WeakMap<Tables, ReturnType<typeof buildStatements>>();
function buildStatements(tables: Tables) {
  const jobs = id(tables.jobs);
  const assign = (c: string) => `${id(c)} = EXCLUDED.${id(c)}`;
  const others = MUTABLE_JOB_ROW_COLUMNS.filter((c) => c !== 'row_version').map(assign).join(', ');
  return {
    snapshotInsert: insertInto(tables.snapshots, SNAPSHOT_COLUMNS),
    snapshotInsertWithBusy: insertInto(tables.snapshots, SNAPSHOT_COLUMNS_WITH_BUSY),
    jobUpsert: insertInto(tables.jobs, JOB_ROW_COLUMNS, ` ON CONFLICT ("id") DO UPDATE SET ${MUTABLE_JOB_ROW_COLUMNS.map(assign).join(', ')}`),
    /**
     * The guarded job upsert of `commitIfUnchanged`: a row whose stored version is not the one before
     * the written one gets version -1, which the `row_version >= 0` CHECK (migration 003) refuses,
     * failing the statement and so the transaction. PostgreSQL's SET reads the old row throughout.
     */
    guardedJobUpsert: insertInto(tables.jobs, JOB_ROW_COLUMNS, ` ON CONFLICT ("id") DO UPDATE SET "row_version" = CASE WHEN ${jobs}."row_version" + 1 = EXCLUDED."row_version" THEN EXCLUDED."row_version" ELSE -1 END, ${others}`),
    versionLock: `SELECT "id", "row_version" FROM ${jobs} WHERE "id" IN `,
    jobSelect: `SELECT * FROM ${jobs} WHERE "id" IN `,
    snapshotSelect: `SELECT ${quoted(SNAPSHOT_COLUMNS_WITH_BUSY)} FROM ${id(tables.snapshots)} WHERE "job_id" = ANY($1) ORDER BY "job_id", "timestamp"`,
    anomaliesUpdate: `UPDATE ${jobs} SET "anomalies" = `,
    snapshotDelete: `DELETE FROM ${id(tables.snapshots)} WHERE "job_id" IN `,
    checkName: rowVersionCheck(tables),
  };
}
const statementsOf = (tables: Tables) => {
  let built = statements.get(tables);
  if (!built) statements.set(tables, (built = buildStatements(tables)));
  return built;
};

/** PostgreSQL's SQLSTATE for a failed CHECK constraint. */
const CHECK_VIOLATION = '23514';

/**
 * The PostgreSQL ingest transaction without knex's query builder, on a client from knex's own pool
 * (same limits, same acquire timeout), each round trip ONE simple-protocol query of several
 * statements (values rendered by store/pg-sql.ts). Two round trips per batch:
 *   1. BEGIN; lock the jobs (id order) reading their row versions; read the jobs the caller does not
 *      know in full (with their disks, which are on the row)
 *   2. add ended jobs to their machine summaries; upsert jobs with their disks; store flagged ends'
 *      anomalies; DELETE ended jobs' snapshots; INSERT snapshots; INSERT session log entries and trim
 *      logs; INSERT the webhook outbox rows of ended jobs; COMMIT
 * A job another writer changed since the caller knew it adds one round trip in between (reading it),
 * and so does a job that ends without its rollup in memory (reading its snapshots).
 * `commitIfUnchanged` is the one-round-trip form for jobs the caller knows: BEGIN and 2.
 * A failed statement aborts the whole query's transaction; ROLLBACK then ends it.
 */
export function postgresIngestTransaction(knex: Knex, tables: Tables, options: { guarded: boolean }): IngestTransaction {
  const client = knex.client as unknown as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
  const sql = statementsOf(tables);
  let conn: PgConnection | null = null;

  /** One round trip; each statement's result, in order. */
  const runAll = async (c: PgConnection, list: string[]): Promise<PgResult[]> => {
    const results = await c.query(list.join(';\n'));
    return Array.isArray(results) ? results : [results];
  };
  const ids = (list: readonly string[]) => `(${list.map(literal).join(', ')})`;
  const readStatement = (list: string[]) => `${sql.jobSelect}${ids(list)} ORDER BY "id" FOR UPDATE`;
  const withRows = (statement: RowsStatement, rows: unknown[][]) => statement.head + rows.map(row).join(', ') + statement.tail;

  /** The batch's writes (see above), in the order the MySQL path writes them. */
  const writeStatements = (writes: IngestWrites, jobUpsert: RowsStatement): string[] => {
    const out: string[] = [];
    if (writes.ended.length) for (const s of summaryStatements(tables, writes.ended, 'ended', false)) out.push(render(s.sql, s.bindings));
    if (writes.jobs.length) {
      const disks = disksByJob(writes.jobs, writes.disks);
      out.push(withRows(jobUpsert, writes.jobs.map((job) => {
        const db = jobToDb(job, disks.get(job.id));
        return JOB_ROW_COLUMNS.map((col) => db[col]);
      })));
    }
    for (const job of writes.ended) if (job.anomalies?.length) out.push(`${sql.anomaliesUpdate}${literal(JSON.stringify(job.anomalies))} WHERE "id" = ${literal(job.id)}`);
    if (writes.deleteSnapshotsOf.length) out.push(sql.snapshotDelete + ids(writes.deleteSnapshotsOf));
    const busy = writes.snapshots.some((s) => s.stage_busy);
    const [insert, columns] = busy ? [sql.snapshotInsertWithBusy, SNAPSHOT_COLUMNS_WITH_BUSY] : [sql.snapshotInsert, SNAPSHOT_COLUMNS];
    for (let i = 0; i < writes.snapshots.length; i += INSERT_CHUNK) {
      out.push(withRows(insert, writes.snapshots.slice(i, i + INSERT_CHUNK).map((s) => columns.map((col) => s[col] ?? null))));
    }
    for (const s of logStatements(tables, writes.log, writes.logTrims, false)) out.push(render(s.sql, s.bindings));
    for (const s of writes.outbox) out.push(render(s.sql, s.bindings));
    return out;
  };
  const release = async () => {
    const c = conn;
    conn = null;
    if (c) await client.releaseConnection(c);
  };
  const connection = () => {
    if (!conn) throw new Error('lockJobs() opens the ingest transaction');
    return conn;
  };

  const tx: IngestTransaction = {
    async lockJobs(list, known) {
      const c = (conn = await client.acquireConnection());
      const sorted = [...list].sort();
      const unknown = sorted.filter((jobId) => !known.has(jobId));
      const [, versionRows, ...read] = await runAll(c, [
        'BEGIN',
        `${sql.versionLock}${ids(sorted)} ORDER BY "id" FOR UPDATE`,
        ...(unknown.length ? [readStatement(unknown)] : []),
      ]);
      const versions = new Map(versionRows!.rows.map((r) => [String(r.id), Number(r.row_version)]));
      // Another writer (instance, stale detector) changed these since this instance committed them.
      const changed = sorted.filter((jobId) => known.has(jobId) && versions.has(jobId) && known.get(jobId) !== versions.get(jobId));
      if (changed.length) read.push(...(await runAll(c, [readStatement(changed)])));
      return { versions, read: new Map(read.flatMap((r) => r.rows).map((raw) => [String(raw.id), storedJobFromDb(raw)])) };
    },

    async snapshotsOf(list) {
      const out = new Map<string, SnapshotRow[]>(list.map((jobId) => [jobId, []]));
      if (list.length === 0) return out;
      const { rows } = await connection().query(sql.snapshotSelect, [list]);
      for (const raw of rows) out.get(String(raw.job_id))?.push(snapshotFromDb(raw));
      return out;
    },

    async completedHistory(keys, limit) {
      if (keys.length === 0) return new Map();
      const { sql: text, bindings } = completedHistoryQuery(knex, tables, keys, limit).toSQL().toNative();
      return groupHistory(keys, (await connection().query(text, [...bindings])).rows);
    },

    async commit(writes) {
      await runAll(connection(), [...writeStatements(writes, sql.jobUpsert), 'COMMIT']);
      await release();
    },

    async commitIfUnchanged(writes) {
      // Jobs first and in id order: their row locks are taken in the same order as lockJobs takes them.
      const jobs = [...writes.jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const text = ['BEGIN', ...writeStatements({ ...writes, jobs }, sql.guardedJobUpsert), 'COMMIT'];
      const c = (conn = await client.acquireConnection());
      try {
        await runAll(c, text);
      } catch (error) {
        await tx.rollback();
        const e = error as { code?: string; constraint?: string };
        if (e.code === CHECK_VIOLATION && e.constraint === sql.checkName) return false;
        throw error;
      }
      await release();
      return true;
    },

    async rollback() {
      if (!conn) return;
      // A statement failed (or the batch could not be applied): nothing of it may stay.
      await conn.query('ROLLBACK').catch(() => undefined);
      await release();
    },
  };
  return options.guarded ? tx : { ...tx, commitIfUnchanged: undefined };
}

/** Whether the `row_version >= 0` CHECK that guards `commitIfUnchanged` (migration 003) is on the jobs table. */
export async function hasRowVersionCheck(knex: Knex, tables: Tables): Promise<boolean> {
  try {
    const { rows } = await knex.raw(
      "SELECT COUNT(*) AS n FROM pg_constraint WHERE contype = 'c' AND conname = ? AND conrelid = to_regclass(?)",
      [rowVersionCheck(tables), id(tables.jobs)],
    ) as { rows: { n: unknown }[] };
    return Number(rows[0]?.n) > 0;
  } catch {
    return false;
  }
}
