import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stream } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The example hub and the simulator as real processes, the way a user starts them. */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HUB_SERVER = join(ROOT, 'examples/hub/dist/server.js');
const SIMULATOR_CLI = join(ROOT, 'examples/simulator/dist/cli.js');

export function requireBuilt(): void {
  for (const file of [HUB_SERVER, SIMULATOR_CLI, join(ROOT, 'web-components/dist/bt-elements.bundle.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface HubProcess {
  url: string;
  port: number;
  /** Everything the hub logged so far (pino JSON lines). */
  output(): string;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `node examples/hub/dist/server.js` with `env` on `port` and waits until it answers /healthz.
 * With `logTo` (say, another process's stdin) the hub's stdout and stderr go there, and `output()` is empty.
 * `cwd` is where its default database (`./data/telemetry.sqlite`) lands.
 */
export async function startHub(env: Record<string, string>, port?: number, logTo?: Stream, cwd = ROOT): Promise<HubProcess> {
  const boundPort = port ?? (await freePort());
  const child = spawn(process.execPath, [HUB_SERVER], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(boundPort), HOST: '127.0.0.1' },
    stdio: ['ignore', logTo ?? 'pipe', logTo ?? 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => { output += chunk; });
  child.stderr?.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${boundPort}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode} at start:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the hub did not answer /healthz within 15 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    port: boundPort,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface SimulatorRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Rows of the final summary table. */
  jobs: { vm_name: string; backup_type: string; result: string; transport: string; job_id: string; error?: string }[];
}

/** Runs the simulator CLI to its end. */
export function simulate(args: string[], timeoutMs = 90_000): { done: Promise<SimulatorRun>; child: ChildProcess } {
  const child = spawn(process.execPath, [SIMULATOR_CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += chunk; });
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<SimulatorRun>((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, jobs: parseSummary(stdout) });
    });
  });
  return { done, child };
}

function parseSummary(stdout: string): SimulatorRun['jobs'] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('VM ') && l.includes('job id'));
  if (start < 0) return [];
  const jobs: SimulatorRun['jobs'] = [];
  for (const line of lines.slice(start + 1)) {
    const row = /^(\S+)\s+(full|incremental)\s+(completed|failed|died|error)\s+.+?\s{2,}[\d.]+\s+(\S+)\s+(\S+)$/.exec(line);
    if (row) jobs.push({ vm_name: row[1], backup_type: row[2], result: row[3], transport: row[4], job_id: row[5] });
    else if (/^\s{10}\S/.test(line) && jobs.length) jobs[jobs.length - 1].error = line.trim();
  }
  return jobs;
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
