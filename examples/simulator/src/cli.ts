#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { formatBytes } from '@backup-telemetry/contract';
import { vmAt } from './fleet.js';
import { runFleet, resolveDatabaseUrl } from './fleet-run.js';
import { historySchedule, MAX_FLEET_HISTORY_MS, parseSpan } from './history.js';
import { runJob, type JobResult, type RunOptions } from './run.js';
import { assignOutcomes, planJob, seededRng, type JobPlan, type JobState } from './scenarios.js';

const HELP = `Drives realistic backup jobs through @backup-telemetry/client against a hub.

Usage: npm run simulate -- [options]

  --hub <url>            hub base URL (default http://localhost:8082, or $HUB_URL)
  --jobs <n>             live jobs to run at once, one per VM (default 5)
  --duration <seconds>   how long each live job lasts (default 60)
  --speedup <factor>     instead of --duration: real VM sizes and speeds, fast-forwarded by this factor
  --failures <n>         jobs that fail with an error message (default 1 from 3 jobs up)
  --die <n>              clients that die mid-job, left to the hub's stale detector (default 1 from 3 jobs up)
  --history <span>       backfill finished nightly jobs over the past span (3d, 36h; at most 6.5d) and exit
  --history-duration <s> length of each backfilled job (default 8)
  --fleet <n>            instead: plan n VMs with every protection state and write their past jobs
                         (--history, default 30d, at most 90d) straight into the hub's database; with
                         --jobs, then run that many live jobs against --hub
  --database-url <url>   with --fleet: the hub's database (default $DATABASE_URL, else the example
                         hub's sqlite:examples/hub/data/telemetry.sqlite)
  --table-prefix <p>     with --fleet: the hub's table prefix (default $TELEMETRY_TABLE_PREFIX)
  --concurrency <n>      backfilled jobs run at once (default 8)
  --transport <name>     socket (default) or http
  --token <token>        ingest token (or $TELEMETRY_TOKEN)
  --seed <n>             random seed, for a repeatable run (default: time; with --fleet 1)
  --quiet                only the final summary
  --help
`;

function fail(message: string): never {
  console.error(`simulate: ${message}\n\n${HELP}`);
  process.exit(2);
}

function positive(name: string, raw: string | undefined, fallback: number, integer = true): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) fail(`--${name} expects a ${integer ? 'whole ' : ''}number ≥ 0, got ${JSON.stringify(raw)}`);
  return n;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        hub: { type: 'string' }, jobs: { type: 'string' }, duration: { type: 'string' }, speedup: { type: 'string' },
        failures: { type: 'string' }, die: { type: 'string' }, history: { type: 'string' }, 'history-duration': { type: 'string' },
        concurrency: { type: 'string' }, transport: { type: 'string' }, token: { type: 'string' }, seed: { type: 'string' },
        fleet: { type: 'string' }, 'database-url': { type: 'string' }, 'table-prefix': { type: 'string' },
        quiet: { type: 'boolean' }, help: { type: 'boolean' },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
})();

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const hubUrl = values.hub ?? process.env.HUB_URL ?? 'http://localhost:8082';
try { new URL(hubUrl); } catch { fail(`--hub is not a URL: ${JSON.stringify(hubUrl)}`); }
const transport = values.transport ?? 'socket';
if (transport !== 'socket' && transport !== 'http') fail(`--transport must be socket or http, got ${JSON.stringify(transport)}`);
// A fleet's job ids carry the seed: a fixed default makes a second run skip what the first wrote.
const seed = positive('seed', values.seed, values.fleet !== undefined ? 1 : Date.now() % 2 ** 31);
const rng = seededRng(seed);
const quiet = values.quiet ?? false;
const runOptions: RunOptions = {
  hubUrl,
  transport,
  token: values.token ?? process.env.TELEMETRY_TOKEN,
  logger: quiet ? undefined : { warn: (fields, message) => console.warn(`  ! ${message} ${JSON.stringify(fields)}`) },
};

const pct = (n: number) => `${n.toFixed(1).padStart(5)} %`;
const mibps = (bps: number) => `${(bps / 1048576).toFixed(0).padStart(4)} MiB/s`;

function printSummary(results: JobResult[]): void {
  if (results.length === 0) return;
  console.log('\nVM        type         result     transferred         seconds  transport  job id');
  for (const r of results) {
    console.log(`${r.vm_name.padEnd(9)} ${r.backup_type.padEnd(12)} ${r.result.padEnd(10)} ${`${formatBytes(r.bytes_transferred)} / ${formatBytes(r.total_bytes)}`.padEnd(19)} ${r.seconds.toFixed(1).padStart(7)}  ${(r.transport ?? '-').padEnd(9)}  ${r.job_id}${r.error ? `\n          ${r.error}` : ''}`);
  }
}

async function live(): Promise<JobResult[]> {
  const jobs = positive('jobs', values.jobs, 5);
  if (jobs < 1) fail('--jobs must be at least 1');
  const speedup = values.speedup === undefined ? undefined : positive('speedup', values.speedup, 1, false);
  if (speedup !== undefined && speedup <= 0) fail('--speedup must be greater than 0');
  const duration = positive('duration', values.duration, 60, false);
  const defaultSpecial = jobs >= 3 ? 1 : 0;
  const outcomes = assignOutcomes(rng, jobs, positive('failures', values.failures, defaultSpecial), positive('die', values.die, defaultSpecial));
  const plans: JobPlan[] = outcomes.map((outcome, i) => planJob(rng, {
    vm: vmAt(i), backup_type: rng() < 0.35 ? 'full' : 'incremental', outcome, duration_seconds: duration, speedup,
  }));
  console.log(`simulate: ${jobs} live job(s) against ${hubUrl} over ${transport} (seed ${seed})`);
  for (const p of plans) {
    const ending = p.outcome.kind === 'complete' ? 'completes' : p.outcome.kind === 'fail' ? `fails at ${p.outcome.at_percent} %` : `client dies at ${p.outcome.at_percent} %`;
    console.log(`  ${p.vm.vm_name.padEnd(8)} ${p.backup_type.padEnd(11)} ${formatBytes(p.total_bytes).padStart(10)} on ${p.disks.length} disk(s), ~${Math.round(p.snapshot_seconds + p.transfer_seconds + p.finalizing_seconds)} s, ${ending}`);
  }
  const states = new Map<string, { plan: JobPlan; state: JobState }>();
  const ticker = quiet ? undefined : setInterval(() => {
    const line = [...states.values()].filter((s) => s.state.result === 'running')
      .map(({ plan, state }) => `${plan.vm.vm_name} ${state.phase} ${pct(state.progress_percent)} ${mibps(state.speed_bps)}`);
    if (line.length) console.log(`  · ${line.join(' | ')}`);
  }, 5000);
  const results = await Promise.all(plans.map(async (plan, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * 700)); // staggered starts look like a real schedule
    const result = await runJob(plan, rng, { ...runOptions, onStep: (p, state, id) => states.set(id, { plan: p, state }) });
    if (!quiet) console.log(`  ✓ ${result.vm_name} ${result.result}${result.error ? `: ${result.error}` : ''}`);
    return result;
  }));
  clearInterval(ticker);
  if (results.some((r) => r.result === 'died')) {
    console.log('\nA client died on purpose: the hub warns (job:stale) after TELEMETRY_STALE_WARN_SECONDS and marks the job failed after TELEMETRY_STALE_FAIL_SECONDS.');
  }
  return results;
}

async function history(span: string): Promise<JobResult[]> {
  let spanMs: number;
  try { spanMs = parseSpan(span); } catch (error) { fail((error as Error).message); }
  const duration = positive('history-duration', values['history-duration'], 8, false);
  const concurrency = Math.max(1, positive('concurrency', values.concurrency, 8));
  const schedule = historySchedule(rng, spanMs, Date.now());
  console.log(`simulate: backfilling ${schedule.length} nightly job(s) over the past ${span} into ${hubUrl} over ${transport}, ${concurrency} at a time, ~${duration} s each (seed ${seed})`);
  const results: JobResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < schedule.length) {
      const entry = schedule[next++];
      const plan = planJob(rng, { vm: entry.vm, backup_type: entry.backup_type, outcome: entry.outcome, duration_seconds: duration });
      const result = await runJob(plan, rng, { ...runOptions, clockOffsetMs: Date.now() - entry.start_ms, tickMs: 250, reportIntervalMs: 1000 });
      results.push(result);
      if (!quiet) console.log(`  ${String(results.length).padStart(3)}/${schedule.length} ${new Date(entry.start_ms).toISOString().slice(0, 16)} ${result.vm_name.padEnd(8)} ${result.backup_type.padEnd(11)} ${result.result}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, schedule.length) }, worker));
  return results;
}

async function fleet(): Promise<JobResult[]> {
  const count = positive('fleet', values.fleet, 0);
  if (count < 1) fail('--fleet must be at least 1');
  let spanMs: number;
  try { spanMs = parseSpan(values.history ?? '30d', MAX_FLEET_HISTORY_MS); } catch (error) { fail((error as Error).message); }
  const databaseUrl = resolveDatabaseUrl(values['database-url'], process.env, process.env.INIT_CWD ?? process.cwd());
  const tablePrefix = values['table-prefix'] ?? (process.env.TELEMETRY_TABLE_PREFIX?.trim() || undefined);
  const shown = databaseUrl.replace(/\/\/[^@/]*@/, '//***@');
  console.log(`simulate: a fleet of ${count} VMs with ${values.history ?? '30d'} of history into ${shown}${tablePrefix ? ` (tables ${tablePrefix}*)` : ''} (seed ${seed})`);
  const run = await runFleet({ count, span_ms: spanMs, seed, databaseUrl, tablePrefix, log: (line) => { if (!quiet) console.log(line); } });
  console.log(`simulate: imported ${run.imported} job(s), skipped ${run.skipped} already there, declared ${run.declared} VM(s) without a job, ${run.policies} own policies, in ${run.seconds.toFixed(1)} s`);
  console.log(`simulate: VMs by protection status now: ${Object.entries(run.by_status).map(([status, n]) => `${status} ${n}`).join(', ')}`);
  return values.jobs === undefined ? [] : live();
}

const results = values.fleet !== undefined ? await fleet() : values.history !== undefined ? await history(values.history) : await live();
printSummary(results);
const errors = results.filter((r) => r.result === 'error');
if (errors.length) {
  console.error(`\nsimulate: ${errors.length} job(s) did not reach the hub as planned (see above)`);
  process.exit(1);
}
process.exit(0);
