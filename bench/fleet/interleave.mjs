#!/usr/bin/env node
// The same fleet read alternated between the kept MariaDB and PostgreSQL fleets (bench/fleet with
// BENCH_KEEP=1 built them), so that both meet the same moments of a shared machine's load; p50/p90 per
// database. A check beside the bench (which measures one database after the other), not part of it:
//   node bench/fleet/interleave.mjs 100 '/fleet/summary' '/machines?q=0123&limit=100' scrape
import { createServer } from 'node:http';
import express from 'express';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { rawKnex } from '../lib/db.mjs';
import { MYSQL_URL, PG_URL, PLUGIN_OPTIONS } from '../lib/env.mjs';
import { percentile } from '../lib/stats.mjs';

const PREFIX = 'bfleet_';
const WARMUP = 3;
const [rounds, ...paths] = process.argv.slice(2);
if (!Number(rounds) || paths.length === 0 || !PG_URL) {
  console.error('usage: node bench/fleet/interleave.mjs ROUNDS PATH... (paths under /api/v1, or `scrape`; needs PostgreSQL)');
  process.exit(2);
}

const hubs = {};
for (const [name, url] of Object.entries({ mariadb: MYSQL_URL, postgres: PG_URL })) {
  const knex = rawKnex(url);
  const marker = await knex(`${PREFIX}bench_fleet`).first().finally(() => knex.destroy());
  const nowMs = JSON.parse(marker.shape).now_ms; // the clock the kept fleet was generated against
  const opened = Date.now();
  const plugin = createTelemetryPlugin({
    databaseUrl: url, tablePrefix: PREFIX, logger: defaultLogger('warn'), ...PLUGIN_OPTIONS,
    readRateLimitPerSourcePerMinute: 1e9, metricsCacheSeconds: 0, now: () => nowMs + (Date.now() - opened),
  });
  const app = express();
  app.use('/api/v1', plugin.router);
  const server = createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  hubs[name] = { plugin, server, base: `http://127.0.0.1:${server.address().port}/api/v1` };
}
try {
  for (const path of paths) {
    const ms = Object.fromEntries(Object.keys(hubs).map((k) => [k, []]));
    for (let i = 0; i < Number(rounds) + WARMUP; i++) {
      for (const [name, hub] of Object.entries(hubs)) {
        const t0 = performance.now();
        if (path === 'scrape') await hub.plugin.metrics.registry.metrics();
        else {
          const res = await fetch(hub.base + path);
          await res.text();
          if (res.status !== 200) throw new Error(`${name} GET ${path} answered ${res.status}`);
        }
        if (i >= WARMUP) ms[name].push(performance.now() - t0);
      }
    }
    console.log(`${path}  ${Object.entries(ms).map(([k, v]) => `${k} p50 ${percentile(v, 50).toFixed(1)} ms, p90 ${percentile(v, 90).toFixed(1)} ms`).join(' | ')}`);
  }
} finally {
  for (const hub of Object.values(hubs)) {
    hub.server.closeAllConnections();
    hub.server.close();
    await hub.plugin.close();
  }
}
