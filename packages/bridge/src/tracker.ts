import type { ProgressFields, ProgressReport } from '@backup-telemetry/client';
import { LIMITS } from '@backup-telemetry/contract';
import type { Facts, Phase, ToolEvent } from './parsers/types.js';
import type { ToolName } from './tools.js';

const PHASE_RANK: Record<Phase, number> = { scanning: 0, transferring: 1, finalizing: 2 };
/** Error texts kept for the job's error message. */
const MAX_ERRORS = 5;
const MAX_FACT_LENGTH = 256;

/**
 * The job as the tool's output describes it so far: a pure fold over parsed events. `apply` returns
 * the progress report to hand to the SDK (whose cadence decides what is sent), or null.
 */
export class JobTracker {
  phase: Phase = 'scanning';
  bytesDone = 0;
  totalBytes: number | undefined;
  percent: number | undefined;
  etaSeconds: number | undefined;
  facts: Facts = {};
  summary: { bytes_processed: number } | undefined;
  /** Errors the tool called fatal, newest last. */
  fatal: string[] = [];
  /** Non-fatal errors (files it could not read, warnings), newest last. */
  warnings: string[] = [];
  warningCount = 0;

  constructor(readonly tool: ToolName | null) {
    if (tool) this.facts.tool = tool;
  }

  apply(event: ToolEvent): ProgressReport | null {
    switch (event.kind) {
      case 'progress':
        if (event.phase) this.#enterPhase(event.phase);
        if (event.bytes_done !== undefined) this.bytesDone = event.bytes_done;
        if (event.total_bytes !== undefined) this.totalBytes = event.total_bytes;
        if (event.percent !== undefined) this.percent = event.percent;
        this.etaSeconds = event.eta_seconds;
        Object.assign(this.facts, event.facts);
        return this.report();
      case 'phase':
        return this.#enterPhase(event.phase) ? this.report() : null;
      case 'summary':
        this.summary = { bytes_processed: event.bytes_processed };
        this.bytesDone = event.bytes_processed;
        this.totalBytes = event.bytes_processed;
        this.percent = 100;
        this.etaSeconds = 0;
        Object.assign(this.facts, event.facts);
        this.#enterPhase('finalizing');
        return this.report();
      case 'error':
        if (event.fatal) this.fatal = keepLast(this.fatal, event.message);
        else {
          this.warnings = keepLast(this.warnings, event.message);
          this.warningCount += 1;
          this.facts.warning_count = this.warningCount;
          this.facts.last_warning = event.message.slice(0, MAX_FACT_LENGTH);
        }
        return null;
    }
  }

  /** The newest state as a progress report. */
  report(): ProgressReport {
    const report: ProgressReport = { current_phase: this.phase, bytes_transferred: this.bytesDone, details: { ...this.facts } };
    if (this.warningCount > 0) report.warnings_count = this.warningCount;
    if (this.totalBytes !== undefined) report.total_bytes = this.totalBytes;
    if (this.percent !== undefined) report.progress_percent = round2(this.percent);
    if (this.etaSeconds !== undefined) report.eta_seconds = this.etaSeconds;
    return report;
  }

  /** Never back to scanning; finalizing may fall back to transferring when more data turns up. */
  #enterPhase(next: Phase): boolean {
    if (next === this.phase) return false;
    const forward = PHASE_RANK[next] > PHASE_RANK[this.phase];
    if (!forward && !(this.phase === 'finalizing' && next === 'transferring')) return false;
    this.phase = next;
    return true;
  }
}

export interface ExitFacts {
  /** The tool's exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended the tool, if any. */
  signal: NodeJS.Signals | null;
  /** The signal the bridge received and forwarded (Ctrl-C), if any. */
  interruptedBy: NodeJS.Signals | null;
  /** The tool's own stderr lines the bridge did not understand, newest last. */
  stderrTail: readonly string[];
  /** Set when the tool could not be started at all. */
  spawnError?: string;
}

export interface Outcome {
  status: 'completed' | 'failed' | 'cancelled';
  /** The failed job's error message. */
  error?: string;
  /** The bridge's exit status. */
  exitCode: number;
  /** Fields sent with the end of the job. */
  final: ProgressFields;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
const signalExit = (signal: NodeJS.Signals) => 128 + (SIGNAL_NUMBERS[signal] ?? 1);

/**
 * How the job ends, from the tool's exit and what it printed. Exit 0 completes; restic's 3 (snapshot
 * saved, some files unreadable) and borg's 1 (warnings) complete with warnings (`warnings_count`, at
 * least 1, and the details);
 * anything else fails with the tool's own error text. A forwarded Ctrl-C cancels, unless the tool had
 * already finished successfully.
 */
export function decideOutcome(tracker: JobTracker, exit: ExitFacts): Outcome {
  const final: ProgressFields = { ...tracker.report(), details: { ...tracker.facts } };
  const details = final.details!;
  if (exit.code !== null) details.exit_code = exit.code;
  if (exit.signal !== null) details.exit_signal = exit.signal;
  const toolExit = exit.code ?? (exit.signal ? signalExit(exit.signal) : 1);

  if (exit.interruptedBy && !(exit.code === 0 && (tracker.summary || tracker.tool !== 'restic'))) {
    details.cancelled_by = exit.interruptedBy;
    return { status: 'cancelled', exitCode: signalExit(exit.interruptedBy), final };
  }
  const withWarnings = (tracker.tool === 'restic' && exit.code === 3 && tracker.summary !== undefined) || (tracker.tool === 'borg' && exit.code === 1);
  if (exit.code === 0 || withWarnings) {
    if (withWarnings) details.completed_with_warnings = true;
    if (tracker.tool === 'restic' && exit.code === 3) details.incomplete_snapshot = true;
    // The hub's measure of a success with warnings: the warnings seen, at least one when the exit code says so.
    const warnings = Math.max(tracker.warningCount, withWarnings ? 1 : 0);
    return { status: 'completed', exitCode: toolExit, final: { ...final, progress_percent: 100, eta_seconds: 0, ...(warnings > 0 ? { warnings_count: warnings } : {}) } };
  }
  if (exit.spawnError) return { status: 'failed', error: exit.spawnError, exitCode: 127, final };
  const error = `${failureText(tracker, exit)} (${exit.code !== null ? `exit code ${exit.code}` : `killed by ${exit.signal}`})`;
  return { status: 'failed', error, exitCode: toolExit, final };
}

/** The tool's own words: its fatal errors, else the tail of its stderr, else its warnings. */
function failureText(tracker: JobTracker, exit: ExitFacts): string {
  if (tracker.fatal.length > 0) return tracker.fatal.join('\n');
  const tail = exit.stderrTail.map((l) => l.trim()).filter(Boolean).slice(-MAX_ERRORS);
  if (tail.length > 0) return tail.join('\n');
  if (tracker.warnings.length > 0) return tracker.warnings.join('\n');
  return `${tracker.tool ?? 'the command'} failed`;
}

function keepLast(list: readonly string[], item: string): string[] {
  return [...list, item].slice(-MAX_ERRORS);
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The session log line a tool's error becomes: a warning (a file it could not read) or, when fatal, an error. */
export function logLineOf(event: ToolEvent): { level: 'warning' | 'error'; message: string } | null {
  if (event.kind !== 'error') return null;
  return { level: event.fatal ? 'error' : 'warning', message: event.message.slice(0, LIMITS.maxLogMessageLength) };
}
