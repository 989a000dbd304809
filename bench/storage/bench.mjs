// Bench 4: bytes an ended job keeps in MariaDB — its row (performance_metrics JSON included), its
// disk rows, and any snapshot left — for a 1-minute and a 24-hour job, measured from the stored
// data (LENGTH() of every string/JSON column, 8 B per non-null BIGINT/DOUBLE, 4 B per INT), not estimated.
import { dropPrefixed, pluginOn, rawKnex } from '../lib/db.mjs';
import { uniquePrefix } from '../lib/env.mjs';
import { finishJobModule, runningJob, seedJob, snapshots } from '../lib/jobs.mjs';
import { fmt } from '../lib/stats.mjs';

const INTERVAL_MS = 5000;
const CASES = [
  { name: '1-minute job', snapshots: 12 },
  { name: '24-hour job', snapshots: 17_280 },
];
const FIXED = { bigint: 8, double: 8, int: 4, tinyint: 1, smallint: 2 };

/** Column data bytes of the rows of `table` matching `where`: values plus VARCHAR/TEXT length prefixes. */
async function dataBytes(knex, table, whereColumn, id) {
  const [cols] = await knex.raw('SELECT column_name AS c, data_type AS t, character_maximum_length AS m FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?', [table]);
  const parts = cols.map(({ c, t, m }) => {
    const col = `\`${c}\``;
    if (FIXED[t] !== undefined) return `(CASE WHEN ${col} IS NULL THEN 0 ELSE ${FIXED[t]} END)`;
    const prefix = t === 'varchar' && Number(m) * 4 <= 255 ? 1 : t === 'varchar' ? 2 : 4;
    return `COALESCE(LENGTH(${col}) + ${prefix}, 0)`;
  });
  const json = cols.filter(({ t, c }) => t === 'longtext' && c !== 'error_message').map(({ c }) => c);
  const select = [`COUNT(*) AS n`, `COALESCE(SUM(${parts.join(' + ')}), 0) AS bytes`, ...json.map((c) => `COALESCE(SUM(LENGTH(\`${c}\`)), 0) AS \`${c}\``)];
  const [rows] = await knex.raw(`SELECT ${select.join(', ')} FROM \`${table}\` WHERE \`${whereColumn}\` = ?`, [id]);
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)]));
}

export async function run({ log }) {
  const prefix = uniquePrefix('st');
  const knex = rawKnex();
  const plugin = await pluginOn(prefix, { staleDetection: false });
  const { store } = plugin;
  const { tables } = store;
  const { finishJob } = await finishJobModule();
  const rows = [];
  const results = {};
  try {
    for (const c of CASES) {
      const endMs = Date.now();
      const startMs = endMs - c.snapshots * INTERVAL_MS;
      const id = `bench-storage-${c.snapshots}`;
      const { job, disks } = runningJob(id, startMs, endMs);
      await seedJob(store, job, disks, snapshots(job, c.snapshots, INTERVAL_MS, startMs));
      // End it as the pipeline does: status from the client, finishJob, then disks and job written back.
      await store.knex.transaction(async (trx) => {
        job.status = 'completed';
        await finishJob(store, trx, job, disks, endMs, 200);
        await store.jobs.saveJobs(trx, [job], disks);
      });
      const jobBytes = await dataBytes(knex, tables.jobs, 'id', id);
      const left = await dataBytes(knex, tables.snapshots, 'job_id', id);
      const total = jobBytes.bytes + left.bytes;
      const metrics = (await store.jobs.findJob(store.knex, id)).job.performance_metrics;
      results[c.name] = { job: jobBytes, snapshots_left: left, total, chart_points: metrics.chart_data.length, phases: metrics.phases.length };
      log(`  storage ${c.name}: ${total} B (metrics JSON ${jobBytes.performance_metrics} B, ${metrics.chart_data.length} chart points)`);
      rows.push({
        job: `${c.name} (${c.snapshots.toLocaleString('en-US')} snapshots)`,
        'job row': fmt.bytes(jobBytes.bytes),
        '  of which performance_metrics JSON': `${fmt.bytes(jobBytes.performance_metrics)} (${metrics.chart_data.length} points, ${metrics.phases.length} phases)`,
        '  of which details JSON': fmt.bytes(jobBytes.details),
        '  of which disks JSON': `${fmt.bytes(jobBytes.disks)} (${disks.length})`,
        'snapshots left': `${fmt.bytes(left.bytes)} (${left.n})`,
        total: `${fmt.bytes(total)} (${fmt.kib(total)})`,
      });
    }
    const worst = Math.max(...Object.values(results).map((r) => r.total));
    return {
      id: 'storage',
      title: '4. Stored bytes per ended job',
      setup: 'one job with 3 disks and 4 detail keys, ended "completed" through the plugin\'s finishJob + saveJobs with its disks (maxChartPoints 200); bytes = column data of its rows (LENGTH of strings/JSON + length prefixes, 8 B per BIGINT/DOUBLE, 4 B per INT), without InnoDB row headers and index entries; the VM\'s machine row is per VM, not per job, and not counted',
      rows,
      target: { text: 'both ≤ 8 KB (8,192 B)', value: worst, shown: Object.entries(results).map(([k, r]) => `${k} ${fmt.bytes(r.total)}`).join(', '), met: worst <= 8192 },
      raw: results,
    };
  } finally {
    await plugin.close();
    await dropPrefixed(knex, prefix);
    await knex.destroy();
  }
}
