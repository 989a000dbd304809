import { TelemetryError } from '@backup-telemetry/contract';

const WINDOW_MS = 60_000;
/** Keys kept before windows that have passed are swept. */
const SWEEP_AT = 50_000;

/**
 * Fixed one-minute windows per key (a job, a token, an address), held in memory by each hub
 * instance: behind a load balancer every instance enforces the limit on what it receives.
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perMinute: number, private readonly now: () => number) {}

  /** Counts one hit; throws 429 with Retry-After when the key is over its limit. */
  hit(key: string, what: string): void {
    if (this.perMinute <= 0) return;
    const nowMs = this.now();
    const start = nowMs - (nowMs % WINDOW_MS);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      if (this.windows.size >= SWEEP_AT) this.sweep(start);
      window = { start, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count > this.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil((start + WINDOW_MS - nowMs) / 1000));
      throw new TelemetryError('rate_limited', `${what} sent more than ${this.perMinute} updates this minute; retry in ${retryAfterSeconds}s`, { retryAfterSeconds });
    }
  }

  private sweep(currentStart: number): void {
    for (const [key, w] of this.windows) if (w.start !== currentStart) this.windows.delete(key);
  }
}
