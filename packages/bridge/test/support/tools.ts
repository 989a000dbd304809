import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Whether `command versionArg` runs (`restic version`, `borg --version`). */
const created: string[] = [];

/** A new temporary folder, removed by `removeTempDirs()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function installed(command: string, versionArg: string): boolean {
  return spawnSync(command, [versionArg], { stdio: 'ignore' }).status === 0;
}

/** Builds the bridge (incremental, about a second when nothing changed) so the tests run the current dist/cli.js. */
export function buildBridge(): void {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  // Test files run in parallel processes: one build at a time.
  const lock = join(tmpdir(), 'bt-bridge-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} is held for too long; remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'packages/bridge')], { stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A fresh restic repository and the environment to use it (password, a private cache). */
export function resticRepo(password = 'correct horse battery staple'): { repo: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir('bt-bridge-restic-');
  const env = { ...process.env, RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: join(dir, 'cache') };
  const repo = join(dir, 'repo');
  execFileSync('restic', ['init', '-r', repo], { env, stdio: 'ignore' });
  return { repo, env };
}

/** Runs restic directly; for comparing the bridge with the tool itself. */
export function restic(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('restic', args, { env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh borg repository (repokey) and its environment (passphrase, private cache/config). */
export function borgRepo(passphrase = 'correct horse battery staple'): { repo: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir('bt-bridge-borg-');
  const env = { ...process.env, BORG_PASSPHRASE: passphrase, BORG_BASE_DIR: join(dir, 'base'), LANG: 'C.UTF-8' };
  const repo = join(dir, 'repo');
  execFileSync('borg', ['init', '-e', 'repokey', repo], { env, stdio: 'ignore' });
  return { repo, env };
}
