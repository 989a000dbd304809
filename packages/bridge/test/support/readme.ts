import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFolder, startProcess, type BridgeRun } from './bridge.js';
import { tempDir } from './tools.js';

/** The repository root: where a user types the READMEs' `npx backup-telemetry …` commands. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The README's hub, which the test replaces with its own on a free port (only the port changes). */
const README_HUB = 'http://localhost:8082';

/**
 * The lines of the `sh` block of `readme` (relative to the root) that runs `-- <tool>` behind
 * `npx backup-telemetry run`, without the lines that start the hub (`npm ci`, `npm start`: the test's hub
 * stands in for them) and without comment lines.
 */
export function readmeCommands(readme: string, tool: 'restic' | 'borg'): string[] {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  const blocks = [...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const block = blocks.find((b) => b.includes('npx backup-telemetry run') && b.includes(`-- ${tool} `));
  if (!block) throw new Error(`${readme} has no sh block running "npx backup-telemetry run … -- ${tool}"`);
  // A command continued with "\" is one line, so dropping a line drops a whole command.
  return block.replace(/\\\n/g, '\\\u0000').split('\n')
    .map((line) => line.replace(/\u0000/g, '\n'))
    .filter((line) => line.trim() && !line.trim().startsWith('#') && !/^npm (ci|start)\b/.test(line.trim()));
}

export interface AsWritten {
  hubPort: number;
  /** `$HOME`, so `~/Documents` is the test's data. */
  home: string;
  /** The README's repository path (`/tmp/restic-repo`) → a fresh one, so runs never share a repository. */
  repository: [readmePath: string, testPath: string];
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `lines` in bash from the repository root as typed, except for the hub's port and the repository's
 * path. `npm_config_yes=false` makes npx fail rather than fetch a package of that name from the registry
 * when the bin is not linked, which is the bug this guards against.
 */
export function runAsWritten(lines: string[], { hubPort, home, repository: [from, to], env = {} }: AsWritten): BridgeRun {
  const script = ['set -eu', ...lines.map((line) => line.replaceAll(README_HUB, `http://localhost:${hubPort}`).replaceAll(from, to))].join('\n');
  return startProcess('bash', ['-c', script], { HOME: home, npm_config_yes: 'false', npm_config_update_notifier: 'false', ...env }, ROOT);
}

/** The job id the bridge printed (`backup-telemetry: job <id> registered`). */
export function registeredJobId(stderr: string): string {
  const match = /^backup-telemetry: job (\S+) registered/m.exec(stderr);
  if (!match) throw new Error(`the bridge did not register a job:\n${stderr}`);
  return match[1];
}

const DOCUMENTS_BYTES = 6 * 1024 * 1024;

/** A home whose ~/Documents holds some random files, and a fresh path for the README's `readmeRepository`. */
export async function readmeWorld(readmeRepository: string): Promise<{ home: string; documentsBytes: number; repository: [string, string] }> {
  const home = tempDir('bt-bridge-home-');
  renameSync(await randomFolder(DOCUMENTS_BYTES, 1024 * 1024), join(home, 'Documents'));
  return { home, documentsBytes: DOCUMENTS_BYTES, repository: [readmeRepository, join(tempDir('bt-bridge-repo-'), 'repo')] };
}
