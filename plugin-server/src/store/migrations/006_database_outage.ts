import type { Migration } from './index.js';

/**
 * `telemetry_outages`: one row shared by every hub instance, the latest database outage one of them
 * saw end (`started_at` when it first failed to reach the database, `ended_at` when it reached it
 * again, epoch ms on the hub clock; 0 and 0 before any). The stale detector counts a job's silence
 * from the later of its last telemetry and `ended_at`, so silence the hub caused (its agents were
 * retrying against 503s) is not taken for the agent's.
 */
export const databaseOutage: Migration = {
  name: '006_database_outage',
  async up(knex, t) {
    await knex.schema.createTable(t.outages, (table) => {
      table.integer('id').primary().comment('always 1: the one outage row');
      table.bigInteger('started_at').notNullable().comment('epoch ms: first failure to reach the database');
      table.bigInteger('ended_at').notNullable().comment('epoch ms: the database reached again; stale silence counts from here');
    });
    await knex(t.outages).insert({ id: 1, started_at: 0, ended_at: 0 });
  },
  async down(knex, t) {
    await knex.schema.dropTable(t.outages);
  },
};
