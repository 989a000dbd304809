import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { createReporter, registerJob, type Logger, type Reporter } from '@backup-telemetry/client';
import { formatBytes, LIMITS, validateJobId } from '@backup-telemetry/contract';
import type { CliOptions } from './args.js';
import { LineSplitter, type RawLine } from './lines.js';
import type { ParsedLine } from './parsers/types.js';
import { prepareCommand, type ToolCommand } from './tools.js';
import { decideOutcome, JobTracker, logLineOf, type ExitFacts, type Outcome } from './tracker.js';

export interface BridgeIO {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** Where SIGINT/SIGTERM/SIGHUP arrive (the process). */
  signals: NodeJS.EventEmitter;
  /** Whether stdin is a terminal: then Ctrl-C reaches the tool from the terminal itself. */
  stdinIsTTY: boolean;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A partial line idle this long is shown as it is (a prompt waits for input without a newline). */
const PARTIAL_LINE_IDLE_MS = 150;
/** After a forwarded signal, the tool gets this long to clean up before SIGKILL. */
const KILL_AFTER_MS = 10_000;
/**
 * Ctrl-C in a terminal already signals the whole foreground group, the tool included; a second SIGINT
 * makes borg skip its checkpoint. So a SIGINT is forwarded only if the tool is still running this much later.
 */
const TERMINAL_SIGINT_GRACE_MS = 2000;
const STDERR_TAIL_LINES = 20;
/** Most stdout kept for a tool's final JSON document (borg `create --json`). */
const MAX_STDOUT_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Runs the command, reports it to the hub, and resolves with the exit status the bridge should exit with. */
export async function runBridge(options: CliOptions, io: BridgeIO = defaultIO()): Promise<number> {
  const say = (message: string) => { if (!options.quiet) io.stderr.write(`backup-telemetry: ${message}\n`); };
  const command = prepareCommand(options.command, { tool: options.tool, autoFlags: options.autoFlags, env: io.env });
  if (command.added.length > 0) say(`added ${command.added.join(' ')} to read ${command.tool}'s progress`);
  if (command.tool === null) say(`no parser for "${options.command[0]}": only its start and end are reported (use --tool restic|borg if it wraps one)`);

  const jobId = options.jobId ?? `${command.tool ?? 'job'}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  try {
    validateJobId(jobId, '--job-id');
  } catch (error) {
    io.stderr.write(`backup-telemetry: ${(error as Error).message}\n`);
    return 64;
  }

  const reporter = await openReporter(options, command, jobId, say);
  const tracker = new JobTracker(command.tool);
  reporter?.report(tracker.report());
  const exit = await runTool(command, io, tracker, reporter, say);
  const outcome = decideOutcome(tracker, exit);
  await endJob(reporter, outcome, say);
  say(describe(jobId, outcome, tracker, reporter !== null));
  // Not the tool's output but the reason nothing ran: shown even with --quiet.
  if (exit.spawnError && options.quiet) io.stderr.write(`backup-telemetry: ${exit.spawnError}\n`);
  return outcome.exitCode;
}

function defaultIO(): BridgeIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process, stdinIsTTY: process.stdin.isTTY === true };
}

async function openReporter(options: CliOptions, command: ToolCommand, jobId: string, say: (m: string) => void): Promise<Reporter | null> {
  const repositoryPath = command.repositoryPath?.slice(0, LIMITS.maxRepositoryPathLength);
  try {
    const job = await registerJob(options.hubUrl, {
      vm_name: options.vmName.slice(0, LIMITS.maxVmNameLength),
      repository_id: (options.repositoryId ?? repositoryPath ?? command.tool ?? 'default').slice(0, LIMITS.maxRepositoryIdLength),
      backup_type: options.backupType,
      id: jobId,
      ...(repositoryPath ? { repository_path: repositoryPath } : {}),
    }, { token: options.token });
    say(`job ${job.backup_id} registered at ${options.hubUrl}`);
    const logger: Logger = {
      warn: (_fields, message) => say(`warning: ${message ?? ''}`),
      error: (_fields, message) => say(`error: ${message ?? ''}`),
    };
    return createReporter({
      hubUrl: options.hubUrl, token: options.token, jobType: 'backup', jobId: job.backup_id, transport: options.transport,
      intervalMs: options.intervalMs, logger, endTimeoutMs: 15_000, closeTimeoutMs: 3000,
    });
  } catch (error) {
    // The backup matters more than its telemetry: run it anyway.
    say(`could not register the job at ${options.hubUrl} (${(error as Error).message}); running without telemetry`);
    return null;
  }
}

function runTool(command: ToolCommand, io: BridgeIO, tracker: JobTracker, reporter: Reporter | null, say: (m: string) => void): Promise<ExitFacts> {
  const stderrTail: string[] = [];
  let interruptedBy: NodeJS.Signals | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  let lastPhase = tracker.phase;
  const stdoutKept: Buffer[] = [];
  let stdoutKeptBytes = 0;

  const handle = (line: RawLine, stream: 'stdout' | 'stderr', out: Writable) => {
    let parsed: ParsedLine | null = null;
    if (line.text !== undefined && command.parse) {
      try {
        parsed = command.parse(line.text, stream);
      } catch {
        parsed = null;
      }
    }
    if (stream === 'stdout' && command.parseStdout && stdoutKeptBytes < MAX_STDOUT_DOCUMENT_BYTES) {
      stdoutKept.push(line.bytes);
      stdoutKeptBytes += line.bytes.length;
    }
    if (parsed === null) {
      out.write(line.bytes);
      if (stream === 'stderr' && line.text !== undefined) stderrTail.splice(0, Math.max(0, stderrTail.length + 1 - STDERR_TAIL_LINES), line.text);
      return;
    }
    if (parsed.echo.kind === 'raw') out.write(line.bytes);
    else if (parsed.echo.kind === 'text') out.write(`${parsed.echo.text}\n`);
    if (parsed.event) {
      const line = logLineOf(parsed.event);
      if (line) reporter?.log(line.level, line.message);
      const report = tracker.apply(parsed.event);
      if (report) reporter?.report(report);
      if (tracker.phase !== lastPhase) {
        lastPhase = tracker.phase;
        say(`${command.tool}: ${tracker.phase}`);
      }
    }
  };

  return new Promise<ExitFacts>((resolve) => {
    let child: ChildProcess;
    let graceTimer: NodeJS.Timeout | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (interruptedBy === null) {
        interruptedBy = signal;
        say(`${signal}: stopping ${command.tool ?? command.argv[0]}`);
        if (signal === 'SIGINT' && io.stdinIsTTY) graceTimer = setTimeout(() => child.kill(signal), TERMINAL_SIGINT_GRACE_MS);
        else child.kill(signal);
        killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      } else {
        child.kill('SIGKILL');
      }
    };
    let finished = false;
    const finish = (facts: Omit<ExitFacts, 'interruptedBy' | 'stderrTail'>) => {
      if (finished) return;
      finished = true;
      clearTimeout(killTimer);
      clearTimeout(graceTimer);
      const document = command.parseStdout && stdoutKeptBytes < MAX_STDOUT_DOCUMENT_BYTES ? safely(() => command.parseStdout!(Buffer.concat(stdoutKept).toString('utf8'))) : null;
      if (document) tracker.apply(document);
      for (const signal of FORWARDED_SIGNALS) io.signals.off(signal, onSignal);
      resolve({ ...facts, interruptedBy, stderrTail });
    };

    try {
      child = spawn(command.argv[0]!, command.argv.slice(1), { stdio: ['inherit', 'pipe', 'pipe'], env: io.env });
    } catch (error) {
      finish({ code: null, signal: null, spawnError: `cannot start ${command.argv[0]}: ${(error as Error).message}` });
      return;
    }
    for (const signal of FORWARDED_SIGNALS) io.signals.on(signal, onSignal);
    pipeLines(child.stdout!, (line) => handle(line, 'stdout', io.stdout));
    pipeLines(child.stderr!, (line) => handle(line, 'stderr', io.stderr));
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Only a failed start ends the run here; other errors (a failed kill) are followed by 'close'.
      if (child.pid !== undefined) return;
      const reason = error.code === 'ENOENT' ? 'command not found' : error.message;
      finish({ code: null, signal: null, spawnError: `cannot start ${command.argv[0]}: ${reason}` });
    });
    child.once('close', (code, signal) => {
      if (child.pid !== undefined) finish({ code, signal });
    });
  });
}

function safely<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** Feeds a stream's lines to `onLine` as they arrive; a partial line idle for a moment is passed on as is. */
function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: RawLine) => void): void {
  const splitter = new LineSplitter();
  let idle: NodeJS.Timeout | undefined;
  stream.on('data', (chunk: Buffer) => {
    clearTimeout(idle);
    for (const line of splitter.push(chunk)) onLine(line);
    if (splitter.hasPartial) idle = setTimeout(() => { for (const line of splitter.releasePartial()) onLine(line); }, PARTIAL_LINE_IDLE_MS);
  });
  stream.on('end', () => {
    clearTimeout(idle);
    for (const line of splitter.end()) onLine(line);
  });
}

async function endJob(reporter: Reporter | null, outcome: Outcome, say: (m: string) => void): Promise<void> {
  if (!reporter) return;
  try {
    if (outcome.status === 'completed') await reporter.complete(outcome.final);
    else if (outcome.status === 'cancelled') await reporter.cancel(outcome.final);
    else await reporter.fail(outcome.error ?? 'failed', outcome.final);
  } catch (error) {
    say(`the hub did not acknowledge the end of the job: ${(error as Error).message}`);
  } finally {
    await reporter.close();
  }
}

function describe(jobId: string, outcome: Outcome, tracker: JobTracker, reported: boolean): string {
  const facts = tracker.facts;
  const parts = [`${tracker.tool ?? 'job'} ${jobId} ${outcome.status}${reported ? '' : ' (not reported)'}`];
  if (outcome.status === 'completed' && tracker.bytesDone > 0) parts.push(`${formatBytes(tracker.bytesDone)} processed`);
  if (typeof facts.data_added_bytes === 'number') parts.push(`${formatBytes(facts.data_added_bytes)} added`);
  if (typeof facts.snapshot_id === 'string') parts.push(`snapshot ${facts.snapshot_id}`);
  if (outcome.status === 'failed' && outcome.error) parts.push(outcome.error);
  return parts.join(', ');
}
