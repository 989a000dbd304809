import { isTerminalStatus } from '@backup-telemetry/contract';

/**
 * The hybrid send cadence, as pure functions of the last sent state, the newest state and the time:
 * always send the first update and the end; send on every status or phase change and when progress
 * crosses a milestone (every 10 % by default); otherwise send only once the interval has passed.
 */
export interface CadenceOptions {
  /** Send the newest state when this long has passed since the last send. */
  intervalMs: number;
  /** Progress milestones, in percent: crossing 10, 20, 30 … forces a send. */
  milestonePercent: number;
}

export const DEFAULT_CADENCE: CadenceOptions = { intervalMs: 5000, milestonePercent: 10 };

/** The facts the cadence looks at. */
export interface CadenceState {
  status?: string;
  phase?: string;
  progressPercent?: number;
}

/** What was last handed to delivery. */
export interface SentMark {
  atMs: number;
  status?: string;
  phase?: string;
  /** Index of the last milestone reached (`floor(percent / milestonePercent)`), -1 before any progress. */
  milestone: number;
}

export type SendReason = 'start' | 'end' | 'status' | 'phase' | 'milestone' | 'interval';

/** Index of the highest milestone reached; the epsilon keeps 30.000000001 % and 29.99999999 % honest. */
export function milestoneOf(percent: number | undefined, milestonePercent: number): number {
  if (percent === undefined || !Number.isFinite(percent) || milestonePercent <= 0) return -1;
  return Math.floor(percent / milestonePercent + 1e-9);
}

/** Why the newest state must be sent now, or null when it may wait. */
export function sendReason(last: SentMark | undefined, next: CadenceState, nowMs: number, options: CadenceOptions = DEFAULT_CADENCE): SendReason | null {
  if (last === undefined) return 'start';
  if (next.status !== undefined && isTerminalStatus(next.status)) return 'end';
  if (next.status !== undefined && next.status !== last.status) return 'status';
  if (next.phase !== undefined && next.phase !== last.phase) return 'phase';
  if (milestoneOf(next.progressPercent, options.milestonePercent) > last.milestone) return 'milestone';
  if (nowMs - last.atMs >= options.intervalMs) return 'interval';
  return null;
}

/** The mark to remember after sending `state` at `nowMs`. Milestones never go backwards. */
export function markSent(previous: SentMark | undefined, state: CadenceState, nowMs: number, options: CadenceOptions = DEFAULT_CADENCE): SentMark {
  return {
    atMs: nowMs,
    status: state.status ?? previous?.status,
    phase: state.phase ?? previous?.phase,
    milestone: Math.max(previous?.milestone ?? -1, milestoneOf(state.progressPercent, options.milestonePercent)),
  };
}

/** When a held-back state falls due by the interval rule. */
export function dueAtMs(last: SentMark, options: CadenceOptions = DEFAULT_CADENCE): number {
  return last.atMs + options.intervalMs;
}
