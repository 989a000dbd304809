import type { Knex } from 'knex';
import { summaryStatements } from '../fleet/summary-sql.js';
import { completedHistoryQuery, groupHistory } from './insight.js';
import { logStatements } from './job-log.js';
import type { IngestTransaction, IngestWrites } from './ingest-tx.js';
import { JOB_ROW_COLUMNS, MUTABLE_JOB_ROW_COLUMNS, disksByJob, jobToDb } from './jobs.js';
import { snapshotFromDb, storedJobFromDb, type SnapshotRow } from './rows.js';
import { INSERT_CHUNK, SNAPSHOT_COLUMNS, SNAPSHOT_COLUMNS_WITH_BUSY } from './snapshots.js';
import { rowVersionCheck, type Tables } from './tables.js';

/** The part of a mysql2 connection (as knex's pool hands it out) this module uses. */
interface Mysql2Connection {
  /** `values` null: the text is sent as is (no placeholder scan of an already escaped statement). */
  query(sql: string, values: null, callback: (error: Error | null, results: unknown) => void): void;
  format(sql: string, values: unknown[]): string;
  escape(value: unknown): string;
  config: { multipleStatements?: boolean };
}

const quoted = (columns: readonly string[]) => columns.map((c) => `\`${c}\``).join(', ');
const assignAll = (columns: readonly string[]) => columns.map((c) => `\`${c}\` = VALUES(\`${c}\`)`).join(', ');
const quotedId = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** `INSERT … VALUES <rows> …`: the text around the rows is built once per table set; a batch only escapes its rows. */
interface RowsStatement {
  head: string;
  tail: string;
}
const insertInto = (table: string, columns: readonly string[], tail = ''): RowsStatement =>
  ({ head: `INSERT INTO ${quotedId(table)} (${quoted(columns)}) VALUES `, tail });

/**
 * The guarded job upsert of `commitIfUnchanged`: a row whose stored version is not the one before the
 * written one gets version -1, which the `row_version >= 0` CHECK (migration 003) refuses, failing the
 * statement and so the batch (whatever the host's sql_mode). `row_version` is assigned first, from its
 * old value.
 */
const GUARD = ' ON DUPLICATE KEY UPDATE `row_version` = IF(`row_version` + 1 = VALUES(`row_version`), VALUES(`row_version`), -1), '
  + assignAll(MUTABLE_JOB_ROW_COLUMNS.filter((c) => c !== 'row_version'));

const statements = new WeakMap<Tables, ReturnType<typeof buildStatements>>();
function buildStatements(tables: Tables) {
  return {
    snapshotInsert: insertInto(tables.snapshots, SNAPSHOT_COLUMNS),
    snapshotInsertWithBusy: insertInto(tables.snapshots, SNAPSHOT_COLUMNS_WITH_BUSY),
    jobUpsert: insertInto(tables.jobs, JOB_ROW_COLUMNS, ` ON DUPLICATE KEY UPDATE ${assignAll(MUTABLE_JOB_ROW_COLUMNS)}`),
    guardedJobUpsert: insertInto(tables.jobs, JOB_ROW_COLUMNS, GUARD),
  };
}
const statementsOf = (tables: Tables) => {
  let built = statements.get(tables);
  if (!built) statements.set(tables, (built = buildStatements(tables)));
  return built;
};

const SNAPSHOT_SELECT = `SELECT ${quoted(SNAPSHOT_COLUMNS_WITH_BUSY)} FROM ?? WHERE \`job_id\` IN (?) ORDER BY \`job_id\`, \`timestamp\``;
/** MariaDB's and MySQL's errors for a failed CHECK constraint. */
const CHECK_FAILED = new Set([4025, 3819]);
const ANOMALIES_UPDATE = 'UPDATE ?? SET `anomalies` = ? WHERE `id` = ?';
const VERSION_LOCK = 'SELECT `id`, `row_version` FROM ?? WHERE `id` IN (?) ORDER BY `id` FOR UPDATE';
const JOB_SELECT = 'SELECT * FROM ?? WHERE `id` IN (?) ORDER BY `id` FOR UPDATE';

/**
 * The MySQL/MariaDB ingest transaction without knex's query builder, on a connection from knex's
 * own pool (same limits, same acquire timeout): two round trips per batch when the connection
 * allows several statements per query (`knexFromUrl` connections do), one per statement otherwise.
 *   1. START TRANSACTION; lock the jobs (id order) reading their row versions; read the jobs the
 *      caller does not know in full (with their disks, which are on the row)
 *   2. add ended jobs to their machine summaries; upsert jobs with their disks; store flagged ends' anomalies; DELETE ended jobs' snapshots;
 *      INSERT snapshots; INSERT session log entries and trim logs past their bound (only when the batch has any); INSERT the webhook
 *      outbox rows of ended jobs (if any endpoint wants them); COMMIT
 * A job another writer changed since the caller knew it adds one round trip in between (reading
 * it), and so does a job that ends without its rollup in memory (reading its snapshots).
 * `commitIfUnchanged` is the one-round-trip form for jobs the caller knows: START TRANSACTION and 2.
 */
export function mysqlIngestTransaction(knex: Knex, tables: Tables, options: { guarded: boolean }): IngestTransaction {
  const client = knex.client as unknown as { acquireConnection(): Promise<Mysql2Connection>; releaseConnection(c: Mysql2Connection): Promise<void> };
  let conn: Mysql2Connection | null = null;

  const run = (c: Mysql2Connection, sql: string) =>
    new Promise<unknown>((resolve, reject) => c.query(sql, null, (error, results) => (error ? reject(error) : resolve(results))));
  /** Runs statements in one round trip if the connection allows it; returns each one's result. */
  const runAll = async (c: Mysql2Connection, statements: string[]): Promise<unknown[]> => {
    if (statements.length === 1) return [await run(c, statements[0]!)];
    if (c.config.multipleStatements) return (await run(c, statements.join(';\n'))) as unknown[];
    const results: unknown[] = [];
    for (const sql of statements) results.push(await run(c, sql));
    return results;
  };
  /** Reads jobs in full (already locked), with their disks. */
  const readStatement = (c: Mysql2Connection, ids: string[]) => c.format(JOB_SELECT, [tables.jobs, ids]);
  const sql = statementsOf(tables);
  const withRows = (c: Mysql2Connection, statement: RowsStatement, rows: unknown[][]) => statement.head + c.escape(rows) + statement.tail;
  /** The batch's writes: ended jobs' summaries (fleet/summary-sql.ts), upsert jobs (with their disks), DELETE ended jobs' snapshots, INSERT snapshots. */
  const writeStatements = (c: Mysql2Connection, writes: IngestWrites, jobUpsert: RowsStatement): string[] => {
    const out: string[] = [];
    // Only the locking path carries ends (commitKnown never does): the steady state gains no statement.
    if (writes.ended.length) for (const s of summaryStatements(tables, writes.ended, 'ended', true)) out.push(c.format(s.sql, s.bindings));
    if (writes.jobs.length) {
      const disks = disksByJob(writes.jobs, writes.disks);
      out.push(withRows(c, jobUpsert, writes.jobs.map((job) => {
        const db = jobToDb(job, disks.get(job.id));
        return JOB_ROW_COLUMNS.map((col) => db[col]);
      })));
    }
    // What an ended job's end found (insight/), on its row: only flagged jobs, so most ends gain no statement.
    for (const job of writes.ended) if (job.anomalies?.length) out.push(c.format(ANOMALIES_UPDATE, [tables.jobs, JSON.stringify(job.anomalies), job.id]));
    if (writes.deleteSnapshotsOf.length) out.push(c.format('DELETE FROM ?? WHERE `job_id` IN (?)', [tables.snapshots, writes.deleteSnapshotsOf]));
    const busy = writes.snapshots.some((s) => s.stage_busy);
    const [insert, columns] = busy ? [sql.snapshotInsertWithBusy, SNAPSHOT_COLUMNS_WITH_BUSY] : [sql.snapshotInsert, SNAPSHOT_COLUMNS];
    for (let i = 0; i < writes.snapshots.length; i += INSERT_CHUNK) {
      out.push(withRows(c, insert, writes.snapshots.slice(i, i + INSERT_CHUNK).map((s) => columns.map((col) => s[col] ?? null))));
    }
    // Session log entries ride in the same round trip; an update without any adds no statement.
    for (const s of logStatements(tables, writes.log, writes.logTrims, true)) out.push(c.format(s.sql, s.bindings));
    // Webhook outbox (notify/outbox.ts): more statements of the same round trip, after the summaries they may test.
    for (const s of writes.outbox) out.push(c.format(s.sql, s.bindings));
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
    async lockJobs(ids, known) {
      const c = (conn = await client.acquireConnection());
      const sorted = [...ids].sort();
      const unknown = sorted.filter((id) => !known.has(id));
      const [, versionRows, ...read] = (await runAll(c, [
        'START TRANSACTION',
        c.format(VERSION_LOCK, [tables.jobs, sorted]),
        ...(unknown.length ? [readStatement(c, unknown)] : []),
      ])) as [unknown, { id: unknown; row_version: unknown }[], ...Record<string, unknown>[][]];
      const versions = new Map(versionRows.map((r) => [String(r.id), Number(r.row_version)]));
      // Another writer (instance, stale detector) changed these since this instance committed them.
      const changed = sorted.filter((id) => known.has(id) && versions.has(id) && known.get(id) !== versions.get(id));
      if (changed.length) read.push((await run(c, readStatement(c, changed))) as Record<string, unknown>[]);
      return { versions, read: new Map(read.flat().map((raw) => [String(raw.id), storedJobFromDb(raw)])) };
    },

    async snapshotsOf(ids) {
      const c = connection();
      const out = new Map<string, SnapshotRow[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return out;
      const rows = (await run(c, c.format(SNAPSHOT_SELECT, [tables.snapshots, ids]))) as Record<string, unknown>[];
      for (const raw of rows) out.get(String(raw.job_id))?.push(snapshotFromDb(raw));
      return out;
    },

    async completedHistory(keys, limit) {
      if (keys.length === 0) return new Map();
      const c = connection();
      const { sql, bindings } = completedHistoryQuery(knex, tables, keys, limit).toSQL().toNative();
      return groupHistory(keys, (await run(c, c.format(sql, [...bindings]))) as Record<string, unknown>[]);
    },

    async commit(writes) {
      await runAll(connection(), [...writeStatements(connection(), writes, sql.jobUpsert), 'COMMIT']);
      await release();
    },

    async commitIfUnchanged(writes) {
      const c = (conn = await client.acquireConnection());
      // Jobs first and in id order: their row locks are taken in the same order as lockJobs takes them.
      const jobs = [...writes.jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      try {
        await runAll(c, ['START TRANSACTION', ...writeStatements(c, { ...writes, jobs }, sql.guardedJobUpsert), 'COMMIT']);
      } catch (error) {
        await tx.rollback();
        if (CHECK_FAILED.has((error as { errno?: number }).errno ?? 0)) return false;
        throw error;
      }
      await release();
      return true;
    },

    async rollback() {
      if (!conn) return;
      const c = conn;
      // A statement failed (or the batch could not be applied): nothing of it may stay.
      await run(c, 'ROLLBACK').catch(() => undefined);
      await release();
    },
  };
  return options.guarded ? tx : { ...tx, commitIfUnchanged: undefined };
}

/**
 * Whether the database enforces the `row_version >= 0` CHECK that guards `commitIfUnchanged`
 * (MariaDB ≥ 10.2, MySQL ≥ 8.0.16, the versions that list CHECK constraints). Older servers parse
 * and ignore CHECKs: there every batch locks its jobs first.
 */
export async function enforcesRowVersionCheck(knex: Knex, tables: Tables): Promise<boolean> {
  try {
    const [rows] = await knex.raw('SELECT COUNT(*) AS n FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = ?', [rowVersionCheck(tables)]);
    return Number((rows as { n: unknown }[])[0]?.n) > 0;
  } catch {
    return false;
  }
}
