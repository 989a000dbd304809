import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A bridge process and what it printed. */
export interface BridgeRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** Resolves once stdout or stderr contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

/** Spawns `node dist/cli.js run …args` (build first: `npx tsc -b packages/bridge`). */
export function startBridge(args: string[], env: NodeJS.ProcessEnv = {}): BridgeRun {
  return startProcess(process.execPath, [CLI, 'run', ...args], env);
}

/** Spawns any command (a shell running a README's lines, say) and collects its output like `startBridge`. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): BridgeRun {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const run = { child, stdout: '', stderr: '' } as BridgeRun;
  const waiters: { text: string; resolve(): void }[] = [];
  const check = () => {
    for (const w of [...waiters]) if (run.stdout.includes(w.text) || run.stderr.includes(w.text)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { run.stdout += d; check(); });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { run.stderr += d; check(); });
  run.exited = once(child, 'close').then(([code]) => code as number | null);
  run.waitFor = (text, timeoutMs = 30_000) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-2000)}`)), timeoutMs);
    waiters.push({ text, resolve: () => { clearTimeout(timer); resolve(); } });
    check();
  });
  return run;
}

/** Writes `totalBytes` of incompressible data as files of `fileBytes` each into a new temp folder. */
export async function randomFolder(totalBytes: number, fileBytes = 16 * 1024 * 1024): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bt-bridge-data-'));
  mkdirSync(join(dir, 'nested'));
  const chunk = 1024 * 1024;
  for (let i = 0, left = totalBytes; left > 0; i += 1) {
    const size = Math.min(fileBytes, left);
    const out = createWriteStream(join(dir, i % 2 ? 'nested' : '', `file-${i}.bin`));
    for (let written = 0; written < size; written += chunk) {
      if (!out.write(randomBytes(Math.min(chunk, size - written)))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    left -= size;
  }
  return dir;
}
