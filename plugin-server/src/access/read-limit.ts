import { RateLimiter } from './rate-limit.js';

/**
 * Reads (REST GETs, socket subscribes) per peer address per minute. Keyed by address, never by a
 * token a viewer merely presents: an unverified token would let one client mint fresh keys at will.
 */
export class ReadLimiter {
  private readonly limiter: RateLimiter;

  constructor(perMinute: number, now: () => number) {
    this.limiter = new RateLimiter(perMinute, now, { unit: 'reads' });
  }

  /** Counts one read; throws 429 with Retry-After past the limit (the same error as writes get). */
  hit(address: string | undefined): void {
    this.limiter.hit(`address:${address ?? 'unknown'}`, 'this address');
  }
}
