// An experiment, not a product feature: N plugin instances on the same tables, each with its own
// group-committing pipeline and pool, with every job always routed to the same instance ("lane").
// Batches of different lanes commit concurrently while one job's updates stay in order. It shows
// what letting the pipeline keep more than one transaction in flight would gain.
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import { MYSQL_URL, PLUGIN_OPTIONS } from './env.mjs';

export async function createLanes(prefix, count) {
  const lanes = [];
  for (let i = 0; i < count; i++) {
    const plugin = createTelemetryPlugin({ databaseUrl: MYSQL_URL, tablePrefix: prefix, logger: defaultLogger('warn'), ...PLUGIN_OPTIONS });
    await plugin.migrate();
    lanes.push(plugin);
  }
  const laneOf = (jobId) => {
    let h = 0;
    for (let i = 0; i < jobId.length; i++) h = (h * 31 + jobId.charCodeAt(i)) | 0;
    return lanes[Math.abs(h) % lanes.length];
  };
  return {
    lanes,
    submit: (jobType, jobId, body) => laneOf(String(jobId)).ingest.submit(jobType, jobId, body),
    async close() {
      for (const l of lanes) await l.ingest.close();
      await lanes[0].store.dropAll().catch((e) => process.stderr.write(`drop failed: ${e.message}\n`));
      for (const l of lanes) await l.close();
    },
  };
}
