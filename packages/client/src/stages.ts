import { BOTTLENECK_STAGES, type BottleneckStage, type StageBusy } from '@backup-telemetry/contract';

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Busy percent of each stage over an interval: the time the client spent in it (waiting on reads of
 * the source, processing, sending, waiting on writes to the target) over the interval's length,
 * capped at 100 (parallel readers can add up to more than the interval). Undefined when no stage
 * time was recorded or the interval is empty: the update then carries no `bottleneck`.
 */
export function stageBusy(spentMs: Readonly<Record<BottleneckStage, number>>, intervalMs: number): StageBusy | undefined {
  if (intervalMs <= 0 || BOTTLENECK_STAGES.every((s) => spentMs[s] <= 0)) return undefined;
  return Object.fromEntries(BOTTLENECK_STAGES.map((s) => [s, Math.min(100, round1((Math.max(0, spentMs[s]) / intervalMs) * 100))])) as StageBusy;
}

/** Stage time recorded since the last update was sent. */
export class StageClock {
  #spent: Record<BottleneckStage, number> = { source: 0, proxy: 0, network: 0, target: 0 };
  #sinceMs: number;

  constructor(nowMs: number) {
    this.#sinceMs = nowMs;
  }

  add(stage: BottleneckStage, ms: number): void {
    if (!(BOTTLENECK_STAGES as readonly string[]).includes(stage)) throw new TypeError(`stage must be one of ${BOTTLENECK_STAGES.join(', ')}`);
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError('stage time must be a non-negative number of milliseconds');
    this.#spent[stage] += ms;
  }

  /** The busy percents from the start of the interval to `nowMs`. */
  busy(nowMs: number): StageBusy | undefined {
    return stageBusy(this.#spent, nowMs - this.#sinceMs);
  }

  /** Starts the next interval (an update was sent). */
  restart(nowMs: number): void {
    this.#spent = { source: 0, proxy: 0, network: 0, target: 0 };
    this.#sinceMs = nowMs;
  }
}
