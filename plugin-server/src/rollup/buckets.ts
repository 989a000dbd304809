/** One chart sample as the buckets keep it: `i` is its position in the job's series. */
export interface BucketSample {
  i: number;
  /** Seconds since the job started. */
  t: number;
  /** Speed, bytes per second. */
  s: number;
  p: number;
  phase: string | null;
  /** Stage busy percents (source, proxy, network, target), when the sample had them. */
  b?: [number, number, number, number];
}

interface Bucket {
  /** floor(t / width) of its samples. */
  k: number;
  min: BucketSample;
  max: BucketSample;
}

/**
 * Min/max bucket downsampling that works as the samples arrive, so a running job's chart can be
 * kept up to date and needs no second look at its snapshots when it ends. The time axis is cut
 * into buckets of `width` seconds (about 1 ms at first, so a short job keeps its detail); each
 * bucket keeps its slowest and its fastest sample. When a sample lands past the last allowed bucket
 * the width doubles and neighbouring buckets merge, so at most `maxBuckets` buckets are ever held,
 * whatever the job's length.
 *
 * The result depends only on the samples and their order, not on how they were fed: feeding a
 * series one sample at a time or all at once gives the same chart. Ties keep the earlier sample.
 * The fastest sample of all is the fastest of its bucket, so the true peak is always on the chart.
 */
export class MinMaxBuckets {
  /** Seconds per bucket: starts at 1/1024 s (a power of two, so halving stays exact). */
  private width = 1 / 1024;
  private readonly buckets: Bucket[] = [];

  constructor(private readonly maxBuckets: number) {}

  add(sample: BucketSample): void {
    let k = Math.floor(sample.t / this.width);
    while (k >= this.maxBuckets) {
      this.halve();
      k = Math.floor(sample.t / this.width);
    }
    const last = this.buckets[this.buckets.length - 1];
    // Samples come in time order; one that would fall behind the last bucket joins it.
    if (last && k <= last.k) {
      if (sample.s > last.max.s) last.max = sample;
      if (sample.s < last.min.s) last.min = sample;
      return;
    }
    this.buckets.push({ k, min: sample, max: sample });
  }

  /** The kept samples in series order, each once. */
  samples(): BucketSample[] {
    const out: BucketSample[] = [];
    for (const b of this.buckets) {
      const [a, c] = b.min.i <= b.max.i ? [b.min, b.max] : [b.max, b.min];
      out.push(a);
      if (c !== a) out.push(c);
    }
    return out;
  }

  /** Doubles the bucket width, merging each pair of buckets into one. */
  private halve(): void {
    this.width *= 2;
    let w = 0;
    for (const b of this.buckets) {
      const k = b.k >> 1;
      const into = w > 0 ? this.buckets[w - 1]! : undefined;
      if (into && into.k === k) {
        if (b.max.s > into.max.s) into.max = b.max;
        if (b.min.s < into.min.s) into.min = b.min;
      } else {
        this.buckets[w++] = { k, min: b.min, max: b.max };
      }
    }
    this.buckets.length = w;
  }
}
