import type { Logger as PinoLogger } from 'pino';
import type { TelemetryPlugin } from '@backup-telemetry/plugin-server';
import {
  FAILURE_MESSAGES, fillFleet, planFleet, planJob, runJob, seededRng, type FleetPlan, type Outcome, type Rng,
} from '@backup-telemetry/example-simulator/demo';
import { DEFAULT_DATABASE_URL, type HubConfig } from './config.js';

/**
 * The living demo: on an empty database (the embedded default one unless TELEMETRY_DEMO=on), a
 * small fleet with its history, made by the simulator's generator, and a few jobs kept running
 * through the hub's own API with the client SDK, as real agents would report them.
 */

export const DEMO_VMS = 40;
export const DEMO_DAYS = 14;
/** Live jobs running at once. */
export const DEMO_RUNNING = 3;
/** Fixed, so that two hubs filling one database at once write the same job ids (the second skips them). */
const DEMO_SEED = 16;
const DAY_MS = 24 * 3_600_000;

/** Waits `ms`, or less once `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** Whether this start fills the demo: the mode allows it and the database holds no job at all. */
export async function shouldFillDemo(config: HubConfig, plugin: TelemetryPlugin): Promise<boolean> {
  if (config.demo === 'off') return false;
  if (config.demo === 'auto' && config.databaseUrl !== DEFAULT_DATABASE_URL) return false;
  const { knex, tables } = plugin.store;
  return (await knex(tables.jobs).first('id')) === undefined;
}

/** Fills the demo fleet; returns its plan (the VMs the live jobs run on). */
export async function fillDemo(plugin: TelemetryPlugin, nowMs: number): Promise<{ plan: FleetPlan; imported: number }> {
  const plan = planFleet(seededRng(DEMO_SEED), { count: DEMO_VMS, span_ms: DEMO_DAYS * DAY_MS, now_ms: nowMs, seed: DEMO_SEED });
  const { imported } = await fillFleet(plugin, plan);
  return { plan, imported };
}

/** Where the live demo reaches the hub it runs in: its own interface, loopback when it listens on all. */
export function selfUrl(host: string | undefined, port: number): string {
  if (!host || host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface LiveDemo {
  /** Cancels the running demo jobs (each sends its cancel to the hub) and starts no more. */
  stop(): Promise<void>;
}

/**
 * Keeps `DEMO_RUNNING` jobs running against the hub at `hubUrl`, on the plan's healthy VMs in turn
 * (those that back up on schedule; the at-risk and never-backed-up ones stay as they are), one in
 * eight failing with a message. Each lasts 40–90 s; the next starts when one ends.
 */
export function startLiveDemo(hubUrl: string, plan: FleetPlan, token: string | undefined, logger: PinoLogger): LiveDemo {
  const rng: Rng = seededRng(Date.now() % 2 ** 31);
  const vms = plan.vms.filter((v) => v.role === 'protected' || v.role === 'short_rpo').map((v) => v.vm);
  const abort = new AbortController();
  let next = 0;
  const lane = async () => {
    while (!abort.signal.aborted && vms.length) {
      const vm = vms[next++ % vms.length]!;
      const outcome: Outcome = rng() < 0.125
        ? { kind: 'fail', at_percent: 20 + Math.floor(rng() * 60), error: FAILURE_MESSAGES[Math.floor(rng() * FAILURE_MESSAGES.length)]! }
        : { kind: 'complete' };
      const job = planJob(rng, { vm, backup_type: 'incremental', outcome, duration_seconds: 40 + rng() * 50 });
      const result = await runJob(job, rng, { hubUrl, transport: 'socket', token, signal: abort.signal });
      if (result.result === 'error') {
        logger.warn({ vm_name: result.vm_name, error: result.error }, 'demo: a live job did not reach the hub; retrying in 10 s');
        await pause(10_000, abort.signal);
      }
    }
  };
  const lanes = Array.from({ length: DEMO_RUNNING }, (_, i) => pause(i * 4000, abort.signal).then(lane));
  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(lanes);
    },
  };
}
