// Database housekeeping for benches: a plugin on a fresh prefix, and dropping whatever a prefix left.
// Every function takes the database URL (default: MariaDB's); PG_URL gives the PostgreSQL rows.
import knexFactory from 'knex';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { MYSQL_URL, PLUGIN_OPTIONS } from './env.mjs';

/** A migrated plugin on the database at `url` (MariaDB by default) under `prefix` (the caller closes it). */
export async function pluginOn(prefix, options = {}, url = MYSQL_URL) {
  const plugin = createTelemetryPlugin({ databaseUrl: url, tablePrefix: prefix, logger: defaultLogger('warn'), ...PLUGIN_OPTIONS, ...options });
  await plugin.migrate();
  return plugin;
}

const isPostgresUrl = (url) => /^postgres(ql)?:/.test(url);

/** A plain knex connection to the bench database at `url` (MariaDB by default). */
export function rawKnex(url = MYSQL_URL) {
  if (isPostgresUrl(url)) {
    const u = new URL(url);
    return knexFactory({
      client: 'pg',
      connection: { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) },
      pool: { min: 0, max: 2 },
    });
  }
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  return knexFactory({
    client: 'mysql2',
    connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1), supportBigNumbers: true },
    pool: { min: 0, max: 2 },
  });
}

const isPostgres = (knex) => /pg|postgres/i.test(String(knex.client.config.client?.name ?? knex.client.config.client));

/** Drops every table whose name starts with `prefix` (children first), so no run leaves tables behind. */
export async function dropPrefixed(knex, prefix) {
  const like = `${prefix.replace(/_/g, '\\_')}%`;
  if (isPostgres(knex)) {
    const { rows } = await knex.raw("SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE ?", [like]);
    for (const { t } of rows) await knex.raw('DROP TABLE IF EXISTS ?? CASCADE', [t]);
    return rows.length;
  }
  const [rows] = await knex.raw('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?', [like]);
  const names = rows.map((r) => r.t ?? r.TABLE_NAME);
  if (names.length === 0) return 0;
  await knex.raw('SET FOREIGN_KEY_CHECKS = 0');
  try {
    for (const name of names) await knex.schema.dropTableIfExists(name);
  } finally {
    await knex.raw('SET FOREIGN_KEY_CHECKS = 1');
  }
  return names.length;
}

/** The server version of the database behind `knex`, or 'unknown'. */
export async function databaseVersion(knex) {
  try {
    if (isPostgres(knex)) return (await knex.raw('SHOW server_version')).rows[0].server_version;
    const [rows] = await knex.raw('SELECT VERSION() AS v');
    return rows[0].v;
  } catch {
    return 'unknown';
  }
}
