import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTECTION_STATUSES, type ProtectionStatus } from '@backup-telemetry/contract';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { fillFleet, type FillResult } from './fleet-fill.js';
import { expectedStatus, planFleet, type FleetPlan } from './fleet-plan.js';
import { seededRng } from './scenarios.js';

/** `--fleet`: plans a fleet with its history and writes it into the hub's database. */

/** The example hub's own database file (`npm start` opens `./data/telemetry.sqlite` in examples/hub). */
export const HUB_DEFAULT_SQLITE = fileURLToPath(new URL('../../hub/data/telemetry.sqlite', import.meta.url));

/**
 * The database to fill: `--database-url`, else $DATABASE_URL, else the example hub's default SQLite
 * file. A relative SQLite path is taken from `baseDir` (where the command was run: npm's INIT_CWD).
 */
export function resolveDatabaseUrl(flag: string | undefined, env: Record<string, string | undefined>, baseDir: string): string {
  const url = flag ?? (env.DATABASE_URL?.trim() || undefined);
  if (url === undefined) return `sqlite:${HUB_DEFAULT_SQLITE}`;
  if (!url.startsWith('sqlite:')) return url;
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' || isAbsolute(path) ? url : `sqlite:${resolve(baseDir, path)}`;
}

export interface FleetRunOptions {
  count: number;
  span_ms: number;
  seed: number;
  databaseUrl: string;
  tablePrefix?: string;
  now_ms?: number;
  log(line: string): void;
}

export interface FleetRunResult extends FillResult {
  plan: FleetPlan;
  by_status: Record<ProtectionStatus, number>;
  seconds: number;
}

export async function runFleet(options: FleetRunOptions): Promise<FleetRunResult> {
  const startedMs = Date.now();
  const now = options.now_ms ?? startedMs;
  const plan = planFleet(seededRng(options.seed), { count: options.count, span_ms: options.span_ms, now_ms: now, seed: options.seed });
  const plugin = createTelemetryPlugin({
    databaseUrl: options.databaseUrl, tablePrefix: options.tablePrefix, staleDetection: false, logger: defaultLogger('warn'),
  });
  try {
    await plugin.migrate();
    let lastLogMs = 0;
    const result = await fillFleet(plugin, plan, (p) => {
      if (Date.now() - lastLogMs < 1000 && p.done < p.total) return;
      lastLogMs = Date.now();
      options.log(`  ${p.done.toLocaleString('en-US').padStart(9)} / ${p.total.toLocaleString('en-US')} jobs (${Math.floor((p.done / p.total) * 100)} %), ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
    });
    const by_status = Object.fromEntries(PROTECTION_STATUSES.map((s) => [s, 0])) as Record<ProtectionStatus, number>;
    for (const vm of plan.vms) by_status[expectedStatus(vm, now)] += 1;
    return { ...result, plan, by_status, seconds: (Date.now() - startedMs) / 1000 };
  } finally {
    await plugin.close();
  }
}
