import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { BACKUP_TYPES, type BackupType } from '@backup-telemetry/contract';
import { TOOL_NAMES, type ToolName } from './tools.js';

export const USAGE = `Usage: backup-telemetry run [options] -- <command> [args...]

Runs a backup command (restic backup, borg create), streams its progress to a Backup Telemetry hub
and exits with the command's exit status.

Options:
  --hub URL                 hub base URL (or BACKUP_TELEMETRY_HUB)                  required
  --vm NAME                 machine the backup is of                                 default: this host's name
  --repository ID           repository id shown in the hub (or BACKUP_TELEMETRY_REPOSITORY)
                                                                     default: the tool's repository (-r, REPO::)
  --backup-type TYPE        full | incremental                                       default: incremental
  --token TOKEN             ingest token (or BACKUP_TELEMETRY_TOKEN; prefer the variable)
  --transport NAME          socket | http                                            default: socket (falls back to http)
  --job-id ID               job id to report under (1-64 of A-Z a-z 0-9 . _ : -)     default: generated
  --tool NAME               restic | borg, when the command's name does not say      default: detected
  --interval-seconds N      send progress at least this often                        default: 5
  --no-auto-flags           do not add --json (restic) / --log-json --progress (borg)
  --quiet                   print no bridge messages (the tool's output still shows)
  -h, --help                this help

Examples:
  RESTIC_PASSWORD_FILE=~/.restic-pw backup-telemetry run --hub http://localhost:8082 --vm web-01 \\
    -- restic -r /srv/restic-repo backup /data
  BORG_PASSPHRASE=... backup-telemetry run --hub http://localhost:8082 -- borg create /srv/borg::{now} /data
`;

export interface CliOptions {
  hubUrl: string;
  vmName: string;
  repositoryId: string | undefined;
  backupType: BackupType;
  token: string | undefined;
  transport: 'socket' | 'http';
  jobId: string | undefined;
  tool: ToolName | undefined;
  intervalMs: number;
  autoFlags: boolean;
  quiet: boolean;
  command: string[];
}

export type ParsedCli = { kind: 'help' } | { kind: 'run'; options: CliOptions };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses `run [options] -- command…`; throws a UsageError with a message fit for the terminal. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedCli {
  const dashes = argv.indexOf('--');
  const own = dashes === -1 ? [...argv] : argv.slice(0, dashes);
  const command = dashes === -1 ? [] : argv.slice(dashes + 1);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: own,
      allowPositionals: true,
      strict: true,
      options: {
        hub: { type: 'string' }, vm: { type: 'string' }, repository: { type: 'string' }, 'backup-type': { type: 'string' },
        token: { type: 'string' }, transport: { type: 'string' }, 'job-id': { type: 'string' }, tool: { type: 'string' },
        'interval-seconds': { type: 'string' }, 'no-auto-flags': { type: 'boolean' }, quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help || positionals[0] === 'help') return { kind: 'help' };
  if (positionals[0] !== 'run') throw new UsageError(positionals.length === 0 ? 'missing command: run' : `unknown command: ${positionals[0]}`);
  if (positionals.length > 1) throw new UsageError(`put the backup command after "--": backup-telemetry run [options] -- ${positionals.slice(1).join(' ')}`);
  if (command.length === 0) throw new UsageError('missing the backup command after "--"');

  const hubUrl = str(values.hub) ?? env.BACKUP_TELEMETRY_HUB;
  if (!hubUrl) throw new UsageError('missing --hub URL (or BACKUP_TELEMETRY_HUB)');
  try {
    new URL(hubUrl);
  } catch {
    throw new UsageError(`--hub is not a URL: ${hubUrl}`);
  }
  const backupType = str(values['backup-type']) ?? 'incremental';
  if (!(BACKUP_TYPES as readonly string[]).includes(backupType)) throw new UsageError(`--backup-type must be one of ${BACKUP_TYPES.join(', ')}`);
  const transport = str(values.transport) ?? 'socket';
  if (transport !== 'socket' && transport !== 'http') throw new UsageError('--transport must be socket or http');
  const tool = str(values.tool);
  if (tool !== undefined && !(TOOL_NAMES as readonly string[]).includes(tool)) throw new UsageError(`--tool must be one of ${TOOL_NAMES.join(', ')}`);
  const interval = Number(str(values['interval-seconds']) ?? 5);
  if (!Number.isFinite(interval) || interval <= 0) throw new UsageError('--interval-seconds must be a positive number');

  return {
    kind: 'run',
    options: {
      hubUrl,
      vmName: str(values.vm) ?? hostname(),
      repositoryId: str(values.repository) ?? env.BACKUP_TELEMETRY_REPOSITORY,
      backupType: backupType as BackupType,
      token: str(values.token) ?? env.BACKUP_TELEMETRY_TOKEN,
      transport,
      jobId: str(values['job-id']),
      tool: tool as ToolName | undefined,
      intervalMs: interval * 1000,
      autoFlags: values['no-auto-flags'] !== true,
      quiet: values.quiet === true,
      command,
    },
  };
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);
