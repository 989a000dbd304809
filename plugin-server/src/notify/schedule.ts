/** When a failed delivery is tried again (README, "Webhooks"): pure functions of their inputs. */

/** Waits after the 1st, 2nd, … failed attempt; past the list, the last one repeats. */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000] as const;
/** A delivery not done this long after its event is given up (`failed`). */
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;

export type AttemptOutcome =
  | { kind: 'delivered' }
  /** 410 Gone: the receiver asks never to be sent to again. */
  | { kind: 'gone' }
  | { kind: 'retry'; retryAfterMs?: number };

/** 2xx delivered, 410 gone, anything else (3xx never followed, 4xx, 429, 5xx, no answer) tried again. */
export function outcomeOf(status: number | null, retryAfterMs?: number): AttemptOutcome {
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  return retryAfterMs === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterMs };
}

/**
 * The time of the next attempt after `failedAttempts` failures (≥ 1), or null once it would fall
 * past the give-up time: the receiver's `Retry-After` when it sent one, else the schedule.
 */
export function nextAttemptAt(failedAttempts: number, eventCreatedAt: number, nowMs: number, retryAfterMs?: number): number | null {
  const scheduled = RETRY_DELAYS_MS[Math.min(Math.max(failedAttempts, 1), RETRY_DELAYS_MS.length) - 1]!;
  const at = nowMs + (retryAfterMs ?? scheduled);
  return at > eventCreatedAt + GIVE_UP_AFTER_MS ? null : at;
}

/** A `Retry-After` header (seconds, or an HTTP date) as milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (!/[A-Za-z]/.test(text) || Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
