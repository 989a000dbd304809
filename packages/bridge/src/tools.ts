import { basename } from 'node:path';
import { parseBorgCreateJson, parseBorgLine } from './parsers/borg.js';
import { parseResticLine } from './parsers/restic.js';
import type { LineParser, ToolEvent } from './parsers/types.js';

export const TOOL_NAMES = ['restic', 'borg'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** The wrapped command, understood well enough to report it. */
export interface ToolCommand {
  /** null: a tool the bridge has no parser for; only the start and the end are reported. */
  tool: ToolName | null;
  parse: LineParser | null;
  /** Parses the tool's whole stdout once it exited (borg's `--json` document), when the tool has such output. */
  parseStdout: ((stdout: string) => ToolEvent | null) | null;
  /** The command to run (with the progress flags the bridge added). */
  argv: string[];
  /** Flags the bridge added, e.g. `['--json']`. */
  added: string[];
  subcommand: string | undefined;
  /** Repository location from the command or the tool's environment variable. */
  repositoryPath: string | undefined;
}

const PARSERS: Record<ToolName, LineParser> = { restic: parseResticLine, borg: parseBorgLine };

/** Global flags that take a separate value, so the subcommand is not mistaken for one. */
const VALUE_FLAGS: Record<ToolName, ReadonlySet<string>> = {
  restic: new Set(['-r', '--repo', '--repository-file', '-p', '--password-file', '--password-command', '--key-hint', '--cache-dir',
    '--cacert', '--tls-client-cert', '--limit-upload', '--limit-download', '-o', '--option', '--pack-size', '--compression']),
  borg: new Set(['--lock-wait', '--umask', '--remote-path', '--upload-ratelimit', '--upload-buffer', '--debug-topic', '--debug-profile', '--rsh']),
};

/** Index of the tool's executable in the command (after wrappers like `sudo -E` or `nice`), or -1. */
function toolIndex(argv: readonly string[], tool: ToolName): number {
  return argv.findIndex((arg) => {
    const name = basename(arg).replace(/\.exe$/i, '');
    return tool === 'borg' ? name === 'borg' || name === 'borgbackup' || name === 'borg.exe' : name === tool;
  });
}

export function detectTool(argv: readonly string[], override?: ToolName): ToolName | null {
  if (override) return override;
  const found = TOOL_NAMES.map((tool) => ({ tool, at: toolIndex(argv, tool) })).filter((t) => t.at >= 0).sort((a, b) => a.at - b.at);
  return found[0]?.tool ?? null;
}

/** Index of the subcommand (first argument after the executable that is neither a flag nor a flag's value). */
function subcommandIndex(argv: readonly string[], tool: ToolName, from: number): number {
  for (let i = from; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') return -1;
    if (!arg.startsWith('-')) return i;
    if (!arg.includes('=') && VALUE_FLAGS[tool].has(arg)) i += 1;
  }
  return -1;
}

/** The flags a tool needs to print machine-readable progress, per subcommand the bridge understands. */
function progressFlags(tool: ToolName, subcommand: string | undefined, args: readonly string[]): string[] {
  const has = (...flags: string[]) => args.some((a) => flags.includes(a));
  if (tool === 'restic' && subcommand === 'backup') return has('--json') ? [] : ['--json'];
  if (tool === 'borg' && subcommand === 'create') {
    return [...(has('--log-json') ? [] : ['--log-json']), ...(has('--progress', '-p') ? [] : ['--progress'])];
  }
  return [];
}

function flagValue(args: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    for (const name of names) {
      if (arg === name) return args[i + 1];
      if (name.startsWith('--') && arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
  }
  return undefined;
}

function repositoryOf(tool: ToolName, args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if (tool === 'restic') return flagValue(args, ['-r', '--repo']) ?? env.RESTIC_REPOSITORY;
  const target = args.find((a) => !a.startsWith('-') && a.includes('::'));
  const repo = target?.slice(0, target.indexOf('::'));
  return repo || env.BORG_REPO;
}

/**
 * Works out which tool a command runs and, unless `autoFlags` is false, adds the flags it needs to
 * print progress as JSON (`--json` for `restic backup`, `--log-json --progress` for `borg create`),
 * right after the subcommand so a `--` among the tool's own arguments keeps its meaning.
 */
export function prepareCommand(argv: readonly string[], options: { tool?: ToolName; autoFlags?: boolean; env?: NodeJS.ProcessEnv } = {}): ToolCommand {
  const env = options.env ?? process.env;
  const tool = detectTool(argv, options.tool);
  if (tool === null) return { tool: null, parse: null, parseStdout: null, argv: [...argv], added: [], subcommand: undefined, repositoryPath: undefined };
  const at = toolIndex(argv, tool);
  const sub = subcommandIndex(argv, tool, at + 1);
  const subcommand = sub >= 0 ? argv[sub] : undefined;
  const added = options.autoFlags === false ? [] : progressFlags(tool, subcommand, argv.slice(at + 1));
  const out = added.length > 0 ? [...argv.slice(0, sub + 1), ...added, ...argv.slice(sub + 1)] : [...argv];
  return { tool, parse: PARSERS[tool], parseStdout: tool === 'borg' ? parseBorgCreateJson : null, argv: out, added, subcommand, repositoryPath: repositoryOf(tool, argv.slice(at + 1), env) };
}
