/** Facts kept with the job (`details` of the contract): flat, scalar values only. */
export type Facts = Record<string, string | number | boolean | null>;

/** Where a backup is, as the bridge reports it. Phases only move forward, except finalizing → transferring. */
export type Phase = 'scanning' | 'transferring' | 'finalizing';

/** What one line of a tool's output means for the job. */
export type ToolEvent =
  | {
      kind: 'progress';
      phase?: Phase;
      bytes_done?: number;
      total_bytes?: number;
      /** 0–100. */
      percent?: number;
      eta_seconds?: number;
      facts?: Facts;
    }
  | { kind: 'phase'; phase: Phase }
  /** The tool's final account of a successful run. */
  | { kind: 'summary'; bytes_processed: number; facts: Facts }
  /** An error the tool reported; `fatal` when the run cannot succeed after it. */
  | { kind: 'error'; message: string; fatal: boolean };

/**
 * How to show a line on the terminal: `raw` as it came, `none` to swallow it (progress noise the
 * bridge turns into telemetry), or `text` to show instead (the human form of a JSON log message).
 */
export type Echo = { kind: 'raw' } | { kind: 'none' } | { kind: 'text'; text: string };

export interface ParsedLine {
  event?: ToolEvent;
  echo: Echo;
}

/** A pure parser: one line of output (without its newline) → what it means, or null when not understood. */
export type LineParser = (line: string, stream: 'stdout' | 'stderr') => ParsedLine | null;

export const RAW: Echo = { kind: 'raw' };
export const NONE: Echo = { kind: 'none' };

/** The line as a JSON object, or null when it is not one. */
export function jsonObject(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A finite, non-negative number, or undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A whole number of bytes or items (the contract wants integers for byte counts). */
export function whole(value: unknown): number | undefined {
  const n = count(value);
  return n === undefined ? undefined : Math.round(n);
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Facts without the undefined entries. */
export function facts(entries: Record<string, string | number | boolean | null | undefined>): Facts {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Facts;
}
