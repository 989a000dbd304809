import type { Knex } from 'knex';
import type { IngestTransaction } from './ingest-tx.js';
import { DISK_COLUMNS, JOB_COLUMNS, MUTABLE_DISK_COLUMNS, MUTABLE_JOB_COLUMNS, jobToDb } from './jobs.js';
import { diskFromDb, jobFromDb, snapshotFromDb, type DiskRow, type JobRow, type SnapshotRow } from './rows.js';
import { INSERT_CHUNK, SNAPSHOT_COLUMNS } from './snapshots.js';
import type { Tables } from './tables.js';

/** The part of a mysql2 connection (as knex's pool hands it out) this module uses. */
interface Mysql2Connection {
  query(sql: string, callback: (error: Error | null, results: unknown) => void): void;
  format(sql: string, values: unknown[]): string;
  config: { multipleStatements?: boolean };
}

const quoted = (columns: readonly string[]) => columns.map((c) => `\`${c}\``).join(', ');
const upsert = (columns: readonly string[], mutable: readonly string[]) =>
  `INSERT INTO ?? (${quoted(columns)}) VALUES ? ON DUPLICATE KEY UPDATE ${mutable.map((c) => `\`${c}\` = VALUES(\`${c}\`)`).join(', ')}`;

// Statement texts, built once: every batch fills in the table and the rows.
const SNAPSHOT_INSERT = `INSERT INTO ?? (${quoted(SNAPSHOT_COLUMNS)}) VALUES ?`;
const SNAPSHOT_SELECT = `SELECT ${quoted(SNAPSHOT_COLUMNS)} FROM ?? WHERE \`job_id\` IN (?) ORDER BY \`job_id\`, \`timestamp\``;
const DISK_UPSERT = upsert(DISK_COLUMNS, MUTABLE_DISK_COLUMNS);
const JOB_UPSERT = upsert(JOB_COLUMNS, MUTABLE_JOB_COLUMNS);
const VERSION_LOCK = 'SELECT `id`, `row_version` FROM ?? WHERE `id` IN (?) ORDER BY `id` FOR UPDATE';
const JOB_SELECT = 'SELECT * FROM ?? WHERE `id` IN (?) ORDER BY `id` FOR UPDATE';
const DISK_SELECT = 'SELECT * FROM ?? WHERE `backup_job_id` IN (?) ORDER BY `backup_job_id`, `disk_index`';

/**
 * The MySQL/MariaDB ingest transaction without knex's query builder, on a connection from knex's
 * own pool (same limits, same acquire timeout): two round trips per batch when the connection
 * allows several statements per query (`knexFromUrl` connections do), one per statement otherwise.
 *   1. START TRANSACTION; lock the jobs (id order) reading their row versions; read the jobs the
 *      caller does not know, and their disks, in full
 *   2. INSERT snapshots; DELETE ended jobs' snapshots; upsert disks; upsert jobs; COMMIT
 * A job another writer changed since the caller knew it adds one round trip in between (reading
 * it), and so does a job that ends without its rollup in memory (reading its snapshots).
 */
export function mysqlIngestTransaction(knex: Knex, tables: Tables): IngestTransaction {
  const client = knex.client as unknown as { acquireConnection(): Promise<Mysql2Connection>; releaseConnection(c: Mysql2Connection): Promise<void> };
  let conn: Mysql2Connection | null = null;

  const run = (c: Mysql2Connection, sql: string) =>
    new Promise<unknown>((resolve, reject) => c.query(sql, (error, results) => (error ? reject(error) : resolve(results))));
  /** Runs statements in one round trip if the connection allows it; returns each one's result. */
  const runAll = async (c: Mysql2Connection, statements: string[]): Promise<unknown[]> => {
    if (statements.length === 1) return [await run(c, statements[0]!)];
    if (c.config.multipleStatements) return (await run(c, statements.join(';\n'))) as unknown[];
    const results: unknown[] = [];
    for (const sql of statements) results.push(await run(c, sql));
    return results;
  };
  /** Reads jobs in full (already locked) and their disks: two statements, two results. */
  const readStatements = (c: Mysql2Connection, ids: string[]) => [c.format(JOB_SELECT, [tables.jobs, ids]), c.format(DISK_SELECT, [tables.disks, ids])];
  const release = async () => {
    const c = conn;
    conn = null;
    if (c) await client.releaseConnection(c);
  };
  const connection = () => {
    if (!conn) throw new Error('lockJobs() opens the ingest transaction');
    return conn;
  };

  return {
    async lockJobs(ids, known) {
      const c = (conn = await client.acquireConnection());
      const sorted = [...ids].sort();
      const unknown = sorted.filter((id) => !known.has(id));
      const [, versionRows, ...read] = (await runAll(c, [
        'START TRANSACTION',
        c.format(VERSION_LOCK, [tables.jobs, sorted]),
        ...(unknown.length ? readStatements(c, unknown) : []),
      ])) as [unknown, { id: unknown; row_version: unknown }[], ...Record<string, unknown>[][]];
      const versions = new Map(versionRows.map((r) => [String(r.id), Number(r.row_version)]));
      // Another writer (instance, stale detector) changed these since this instance committed them.
      const changed = sorted.filter((id) => known.has(id) && versions.has(id) && known.get(id) !== versions.get(id));
      if (changed.length) read.push(...((await runAll(c, readStatements(c, changed))) as Record<string, unknown>[][]));
      const jobs = new Map<string, JobRow>();
      const disks = new Map<string, DiskRow[]>();
      for (let i = 0; i < read.length; i += 2) {
        for (const raw of read[i]!) {
          jobs.set(String(raw.id), jobFromDb(raw));
          disks.set(String(raw.id), []);
        }
        for (const raw of read[i + 1]!) disks.get(String(raw.backup_job_id))?.push(diskFromDb(raw));
      }
      return { versions, jobs, disks };
    },

    async snapshotsOf(ids) {
      const c = connection();
      const out = new Map<string, SnapshotRow[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return out;
      const rows = (await run(c, c.format(SNAPSHOT_SELECT, [tables.snapshots, ids]))) as Record<string, unknown>[];
      for (const raw of rows) out.get(String(raw.job_id))?.push(snapshotFromDb(raw));
      return out;
    },

    async commit(writes) {
      const c = connection();
      const statements: string[] = [];
      for (let i = 0; i < writes.snapshots.length; i += INSERT_CHUNK) {
        const rows = writes.snapshots.slice(i, i + INSERT_CHUNK).map((s) => SNAPSHOT_COLUMNS.map((col) => s[col]));
        statements.push(c.format(SNAPSHOT_INSERT, [tables.snapshots, rows]));
      }
      if (writes.deleteSnapshotsOf.length) statements.push(c.format('DELETE FROM ?? WHERE `job_id` IN (?)', [tables.snapshots, writes.deleteSnapshotsOf]));
      if (writes.disks.length) {
        statements.push(c.format(DISK_UPSERT, [tables.disks, writes.disks.map((d) => DISK_COLUMNS.map((col) => d[col]))]));
      }
      if (writes.jobs.length) {
        const rows = writes.jobs.map((job) => {
          const db = jobToDb(job);
          return JOB_COLUMNS.map((col) => db[col]);
        });
        statements.push(c.format(JOB_UPSERT, [tables.jobs, rows]));
      }
      statements.push('COMMIT');
      await runAll(c, statements);
      await release();
    },

    async rollback() {
      if (!conn) return;
      const c = conn;
      // A statement failed (or the batch could not be applied): nothing of it may stay.
      await run(c, 'ROLLBACK').catch(() => undefined);
      await release();
    },
  };
}
