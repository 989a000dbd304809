/**
 * Transfer speed smoothed over a short sliding window, and the ETA it implies. Pure: the caller keeps
 * the sample list and passes the time in.
 */
export interface ByteSample {
  atMs: number;
  bytes: number;
}

export interface RateOptions {
  /** Speed is averaged over roughly this span of the newest samples. */
  windowMs: number;
  /** Below this span between the oldest and newest sample the speed is unknown (too noisy). */
  minSpanMs: number;
  /** Samples kept at most; older ones in the middle are thinned out. */
  maxSamples: number;
}

export const DEFAULT_RATE: RateOptions = { windowMs: 10_000, minSpanMs: 500, maxSamples: 256 };

/**
 * Returns the sample list with `sample` added. Keeps one sample at or before the window's start as the
 * anchor, so the window spans at least `windowMs` once that much history exists. A byte count that
 * goes backwards (a restarted transfer) starts a fresh window.
 */
export function addSample(samples: readonly ByteSample[], sample: ByteSample, options: RateOptions = DEFAULT_RATE): ByteSample[] {
  const last = samples[samples.length - 1];
  if (last !== undefined && sample.bytes < last.bytes) return [sample];
  const next = last !== undefined && sample.atMs <= last.atMs ? [...samples.slice(0, -1), { ...sample, atMs: last.atMs }] : [...samples, sample];
  const windowStart = sample.atMs - options.windowMs;
  while (next.length > 2 && next[1]!.atMs <= windowStart) next.shift();
  while (next.length > Math.max(2, options.maxSamples)) next.splice(1, 1);
  return next;
}

/** Bytes per second over the window, or undefined while the window is too short. */
export function speedBps(samples: readonly ByteSample[], options: RateOptions = DEFAULT_RATE): number | undefined {
  if (samples.length < 2) return undefined;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const spanMs = last.atMs - first.atMs;
  if (spanMs < options.minSpanMs) return undefined;
  return Math.round(((last.bytes - first.bytes) * 1000) / spanMs);
}

/** Seconds left at `speed_bps`, or undefined when the total or a positive speed is unknown. */
export function etaSeconds(bytesTransferred: number | undefined, totalBytes: number | undefined, speed_bps: number | undefined): number | undefined {
  if (totalBytes === undefined || bytesTransferred === undefined || speed_bps === undefined || speed_bps <= 0) return undefined;
  return Math.round(Math.max(0, totalBytes - bytesTransferred) / speed_bps);
}
