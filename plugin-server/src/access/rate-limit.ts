import { TelemetryError } from '@backup-telemetry/contract';

const WINDOW_MS = 60_000;
/** Memory one limiter may hold for the keys of the current minute (≈ 50,000 job keys). */
export const RATE_LIMITER_MAX_BYTES = 16 * 1024 * 1024;
/**
 * What a key costs besides two bytes per character: its Map entry, count and the string's headers
 * (measured on Node 20 with 100,000 keys: 100 B for 17 characters, 310 B for 71, 365 B for 207; rounded up).
 */
const ENTRY_OVERHEAD_BYTES = 192;

/** Bytes a key's window holds at most, by the measurements above. */
export const keyBytes = (key: string): number => key.length * 2 + ENTRY_OVERHEAD_BYTES;

export interface RateLimiterOptions {
  /** What is counted, for the 429 message. Default `'updates'`. */
  unit?: string;
  /** Most bytes the current minute's keys may take (see `keyBytes`). Default 16 MiB. */
  maxBytes?: number;
}

/**
 * Fixed one-minute windows per key (a job, a token, an address), held in memory by each hub
 * instance: behind a load balancer every instance enforces the limit on what it receives.
 *
 * All keys share the wall-clock minute, so a new minute drops every count at once: memory holds
 * only the keys seen this minute, and at most `maxBytes` of them. Past that the keys first seen
 * earliest this minute are forgotten (they count from zero again): a flood of new keys costs its
 * sender its own budget with the other limiters, never the hub its memory.
 */
export class RateLimiter {
  private counts = new Map<string, number>();
  private windowStart = Number.NaN;
  private bytes = 0;
  private readonly unit: string;
  private readonly maxBytes: number;

  constructor(private readonly perMinute: number, private readonly now: () => number, options: RateLimiterOptions = {}) {
    this.unit = options.unit ?? 'updates';
    this.maxBytes = options.maxBytes ?? RATE_LIMITER_MAX_BYTES;
  }

  /** Keys counted this minute. */
  get size(): number {
    return this.counts.size;
  }

  /** Bytes the keys of this minute take (by `keyBytes`), never above `maxBytes`. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Counts one hit; throws 429 with Retry-After when the key is over its limit. */
  hit(key: string, what: string): void {
    if (this.perMinute <= 0) return;
    const nowMs = this.now();
    const start = nowMs - (nowMs % WINDOW_MS);
    if (start !== this.windowStart) this.startWindow(start);
    const count = (this.counts.get(key) ?? 0) + 1;
    if (count === 1) this.bytes += keyBytes(key);
    this.counts.set(key, count);
    if (this.bytes > this.maxBytes) this.shed();
    if (count > this.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil((start + WINDOW_MS - nowMs) / 1000));
      throw new TelemetryError('rate_limited', `${what} sent more than ${this.perMinute} ${this.unit} this minute; retry in ${retryAfterSeconds}s`, { retryAfterSeconds });
    }
  }

  private startWindow(start: number): void {
    this.counts = new Map();
    this.bytes = 0;
    this.windowStart = start;
  }

  /**
   * Forgets the oldest keys of the minute down to three quarters of the budget, in one pass into a
   * new Map: deleting from the front of a Map leaves holes that every later walk from the front
   * would cross, so one key at a time would make a flood quadratic.
   */
  private shed(): void {
    let toDrop = this.bytes - this.maxBytes * 0.75;
    const kept = new Map<string, number>();
    let bytes = 0;
    for (const [key, count] of this.counts) {
      const size = keyBytes(key);
      if (toDrop > 0) {
        toDrop -= size;
        continue;
      }
      kept.set(key, count);
      bytes += size;
    }
    this.counts = kept;
    this.bytes = bytes;
  }
}
