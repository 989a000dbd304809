/** Retry delays: exponential backoff with jitter, or the hub's Retry-After when it gives one. Pure. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Ceiling of the exponential delay (Retry-After may exceed it). */
  maxDelayMs: number;
  multiplier: number;
  /** Fraction of the delay that is randomised: 0.5 gives a delay between 50 % and 100 % of the step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: 0.5 };

/**
 * Delay before retry number `attempt` (1 for the first retry). With `retryAfterMs` the hub's wish wins:
 * never sooner, plus up to 10 % (at most 1 s) of jitter so clients told the same do not return at once.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) {
    return Math.round(retryAfterMs + random() * Math.min(1000, retryAfterMs * 0.1));
  }
  const step = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(step * (1 - jitter * random()));
}

/** Parses an HTTP Retry-After header (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
