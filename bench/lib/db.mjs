// Database housekeeping for benches: a plugin on a fresh prefix, and dropping whatever a prefix left.
import knexFactory from 'knex';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { MYSQL_URL, PLUGIN_OPTIONS } from './env.mjs';

/** A migrated plugin on MariaDB under `prefix` (the caller closes it). */
export async function pluginOn(prefix, options = {}) {
  const plugin = createTelemetryPlugin({ databaseUrl: MYSQL_URL, tablePrefix: prefix, logger: defaultLogger('warn'), ...PLUGIN_OPTIONS, ...options });
  await plugin.migrate();
  return plugin;
}

/** A plain knex connection to the bench database. */
export function rawKnex() {
  const u = new URL(MYSQL_URL.replace(/^mariadb:/, 'mysql:'));
  return knexFactory({
    client: 'mysql2',
    connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1), supportBigNumbers: true },
    pool: { min: 0, max: 2 },
  });
}

/** Drops every table whose name starts with `prefix` (children first), so no run leaves tables behind. */
export async function dropPrefixed(knex, prefix) {
  const [rows] = await knex.raw('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?', [`${prefix.replace(/_/g, '\\_')}%`]);
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
