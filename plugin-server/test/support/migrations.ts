import assert from 'node:assert/strict';
import type { Knex } from 'knex';

/**
 * Rolls migrations back one at a time, newest first, until `name` is undone: a test of one migration's
 * `down` keeps working whatever migrations are added after it.
 */
export async function rollBackThrough(knex: Knex, config: Knex.MigratorConfig, name: string): Promise<void> {
  for (let undone: string[] = []; undone[0] !== name; ) {
    [, undone] = await knex.migrate.down(config);
    assert.ok(undone.length > 0, `migration ${name} was never rolled back`);
  }
}
