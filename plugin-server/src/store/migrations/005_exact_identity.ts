import type { Knex } from 'knex';
import { collateTextExactly, exactCollation, isMysql } from '../dialect.js';
import type { Tables } from '../tables.js';
import type { Migration } from './index.js';

/**
 * The columns that name a job or a VM, as 001 created them. `job_type`, `status` and `backup_type`
 * are left alone: the validator only lets their exact lowercase values through, so no collation can
 * merge two of them.
 */
function identityColumns(t: Tables): { table: string; columns: [name: string, type: string][] }[] {
  return [
    { table: t.jobs, columns: [['id', 'VARCHAR(64)'], ['vm_name', 'VARCHAR(255)'], ['repository_id', 'VARCHAR(255)']] },
    { table: t.snapshots, columns: [['job_id', 'VARCHAR(64)']] },
    { table: t.machines, columns: [['vm_name', 'VARCHAR(255)']] },
  ];
}

/** One `ALTER TABLE … MODIFY` per table; `collation` null gives the columns back the table's default. */
async function modifyColumns(knex: Knex, t: Tables, collation: string | null): Promise<void> {
  const using = collation ? ` CHARACTER SET utf8mb4 COLLATE ${collation}` : '';
  for (const { table, columns } of identityColumns(t)) {
    const modify = columns.map(([name, type]) => knex.raw(`MODIFY ?? ${type}${using} NOT NULL`, [name]).toQuery()).join(', ');
    try {
      await knex.raw(`ALTER TABLE ?? ${modify}`, [table]);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
      throw new Error(`${table} holds rows whose ids or VM names differ only in letter case or trailing spaces, which the table's default collation would merge; rename or delete one of each pair before rolling back 005 (${(error as Error).message})`);
    }
  }
}

/**
 * Job ids, VM names and repository ids compare exactly, as they always did on SQLite (BINARY):
 * under MySQL/MariaDB's default `utf8mb4_general_ci`, `casejob` found `CaseJob`'s row and
 * `"CASE-VM "` overwrote `case-vm`'s facts. The identity columns get a binary NO PAD collation
 * (`utf8mb4_nopad_bin` on MariaDB, `utf8mb4_0900_bin` on MySQL 8; `utf8mb4_bin`, which still ignores
 * trailing spaces, only where neither exists). Indexes, the primary keys and the JSON CHECKs stay as
 * they are; each table is rebuilt once. Existing rows cannot collide: the old collation had already
 * made any two such names one row. `down` gives the columns back the tables' default collation and
 * refuses, naming the table, if rows that differ only in case or trailing spaces exist by then.
 * On PostgreSQL the tables' text columns get the "C" collation (and keep it on `down`).
 */
export const exactIdentity: Migration = {
  name: '005_exact_identity',
  async up(knex, t) {
    if (isMysql(knex)) await modifyColumns(knex, t, await exactCollation(knex));
    // PostgreSQL already compares exactly; "C" makes the columns sort by code point as well.
    for (const { table } of identityColumns(t)) await collateTextExactly(knex, table);
  },
  async down(knex, t) {
    if (isMysql(knex)) await modifyColumns(knex, t, null);
  },
};
