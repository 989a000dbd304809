import { BOTTLENECK_STAGES, type BottleneckStage, type JobBottleneck, type StageBusy } from '@backup-telemetry/contract';

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * A job's bottleneck from the stage busy percents of its samples (those without one are left out):
 * the stage with the highest average, Veeam's "Bottleneck: Network". Null when no sample had one;
 * a tie goes to the earlier stage of the data path (source, proxy, network, target).
 */
export function bottleneckOf(samples: readonly (StageBusy | null | undefined)[]): JobBottleneck | null {
  const busy = samples.filter((s): s is StageBusy => !!s);
  if (busy.length === 0) return null;
  const average = Object.fromEntries(BOTTLENECK_STAGES.map((stage) => [stage, round1(busy.reduce((sum, s) => sum + s[stage], 0) / busy.length)])) as StageBusy;
  let stage: BottleneckStage = BOTTLENECK_STAGES[0];
  for (const s of BOTTLENECK_STAGES) if (average[s] > average[stage]) stage = s;
  return { stage, busy_percent: average, samples: busy.length };
}

