import { BOTTLENECK_STAGES, type BottleneckStage, type JobBottleneck, type StageBusy } from '@backup-telemetry/contract';

const round1 = (n: number) => Math.round(n * 10) / 10;

/** A snapshot's `stage_busy` column: `"source,proxy,network,target"` in percent (1 decimal). */
export function stageBusyToDb(busy: StageBusy): string {
  return BOTTLENECK_STAGES.map((stage) => round1(busy[stage])).join(',');
}

/** A chart point's `b`: the four busy percents in stage order, or undefined for a column without any. */
export function stageBusyFromDb(value: string | null | undefined): [number, number, number, number] | undefined {
  if (!value) return undefined;
  const parts = value.split(',').map(Number);
  return parts.length === 4 && parts.every(Number.isFinite) ? (parts as [number, number, number, number]) : undefined;
}

/**
 * Averages the stage busy percents of a job's samples as they arrive (those without one left out);
 * the bottleneck is the stage with the highest average, Veeam's "Bottleneck: Network". A tie goes to
 * the earlier stage of the data path (source, proxy, network, target).
 */
export class StageBusyAverage {
  private readonly sums = [0, 0, 0, 0];
  private samples = 0;

  add(busy: readonly number[] | undefined): void {
    if (!busy) return;
    busy.forEach((v, i) => (this.sums[i]! += v));
    this.samples += 1;
  }

  result(): JobBottleneck | null {
    if (this.samples === 0) return null;
    const busy_percent = Object.fromEntries(BOTTLENECK_STAGES.map((stage, i) => [stage, round1(this.sums[i]! / this.samples)])) as StageBusy;
    let stage: BottleneckStage = BOTTLENECK_STAGES[0];
    for (const s of BOTTLENECK_STAGES) if (busy_percent[s] > busy_percent[stage]) stage = s;
    return { stage, busy_percent, samples: this.samples };
  }
}

/** The bottleneck of a list of stage busy percents (null entries: samples without one). */
export function bottleneckOf(samples: readonly (StageBusy | null | undefined)[]): JobBottleneck | null {
  const average = new StageBusyAverage();
  for (const s of samples) average.add(s ? BOTTLENECK_STAGES.map((stage) => s[stage]) : undefined);
  return average.result();
}
