/**
 * A live chart series kept cheap to append to and cheap to draw, whatever its length.
 *
 * Points live in growable typed arrays (appending is O(1) amortised). What is drawn is thinned to the
 * pixels the chart has: time is cut into at most `columns` buckets of equal width starting at t = 0,
 * and each bucket keeps the index of its lowest and of its highest value (min/max per pixel column),
 * so a peak or a dip of a single point survives. When the job outgrows the buckets their width
 * doubles and neighbours merge, O(columns) once per doubling, so appends stay O(1) amortised and a
 * drawing never has more than 2 × columns + 1 points.
 */
export class LiveSeries {
  /** Seconds since the start of the job. */
  t = new Float64Array(1024);
  /** The thinned value (speed), whose minima and maxima are kept. */
  v = new Float64Array(1024);
  /** A second value drawn at the same instants (progress). */
  w = new Float64Array(1024);
  length = 0;

  private buckets: MinMaxBuckets;

  constructor(readonly columns: number) {
    this.buckets = new MinMaxBuckets(columns, 1 / 1024);
  }

  /** Appends a point; `t` must be after the last one. */
  push(t: number, v: number, w: number): void {
    if (this.length === this.t.length) this.grow();
    const i = this.length++;
    this.t[i] = t;
    this.v[i] = v;
    this.w[i] = w;
    this.buckets.add(i, t, v, this.v);
  }

  /** Replaces every point (one pass; the bucket width is chosen up front so nothing merges). */
  static from(columns: number, count: number, at: (i: number) => [t: number, v: number, w: number]): LiveSeries {
    const series = new LiveSeries(columns);
    let capacity = 1024;
    while (capacity < count) capacity *= 2;
    series.t = new Float64Array(capacity);
    series.v = new Float64Array(capacity);
    series.w = new Float64Array(capacity);
    for (let i = 0; i < count; i++) {
      const [t, v, w] = at(i);
      series.t[i] = t;
      series.v[i] = v;
      series.w[i] = w;
    }
    series.length = count;
    const last = count ? series.t[count - 1] : 0;
    series.buckets = new MinMaxBuckets(columns, Math.max(1 / 1024, (last * 1.0001) / columns));
    for (let i = 0; i < count; i++) series.buckets.add(i, series.t[i], series.v[i], series.v);
    return series;
  }

  /**
   * Indices of the points to draw, in time order: min and max of each bucket, and the newest point.
   * Between `from_t` and `to_t` (a zoomed-in window) the window is thinned again at full resolution.
   */
  drawn(from_t = -Infinity, to_t = Infinity): number[] {
    const out: number[] = [];
    const zoomed = from_t > 0 || to_t < this.t[this.length - 1];
    if (!zoomed) {
      this.buckets.collect(out, this.v);
    } else {
      const i0 = this.indexAtOrAfter(from_t);
      const i1 = this.indexAtOrAfter(to_t);
      // Coarse outside the window (so the overview slider still shows the whole job), fine inside.
      this.buckets.collect(out, this.v, -Infinity, from_t);
      const fine = new MinMaxBuckets(this.columns, Math.max(1 / 1024, ((to_t - from_t) * 1.0001) / this.columns), from_t);
      for (let i = i0; i < i1; i++) fine.add(i, this.t[i], this.v[i], this.v);
      fine.collect(out, this.v);
      this.buckets.collect(out, this.v, to_t, Infinity);
      dedupeSorted(out);
    }
    const last = this.length - 1;
    if (last >= 0 && out[out.length - 1] !== last) out.push(last);
    return out;
  }

  private indexAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const size = this.t.length * 2;
    for (const key of ['t', 'v', 'w'] as const) {
      const next = new Float64Array(size);
      next.set(this[key]);
      this[key] = next;
    }
  }
}

/** Buckets of `width_s` seconds from `origin_t`, each with the indices of its lowest and highest value. */
class MinMaxBuckets {
  private key = new Float64Array(64);
  private lo = new Int32Array(64);
  private hi = new Int32Array(64);
  private count = 0;

  constructor(
    private readonly columns: number,
    private width_s: number,
    private readonly origin_t = 0,
  ) {}

  add(i: number, t: number, value: number, values: Float64Array): void {
    let k = Math.max(0, Math.floor((t - this.origin_t) / this.width_s));
    while (k >= this.columns) {
      this.halve(values);
      k = Math.max(0, Math.floor((t - this.origin_t) / this.width_s));
    }
    const n = this.count;
    if (n > 0 && this.key[n - 1] === k) {
      if (value < values[this.lo[n - 1]]) this.lo[n - 1] = i;
      if (value > values[this.hi[n - 1]]) this.hi[n - 1] = i;
      return;
    }
    if (n === this.key.length) this.grow();
    this.key[n] = k;
    this.lo[n] = i;
    this.hi[n] = i;
    this.count = n + 1;
  }

  /** Appends to `out` the indices of the buckets that start in [from_t, to_t), min and max in time order. */
  collect(out: number[], values: Float64Array, from_t = -Infinity, to_t = Infinity): void {
    for (let b = 0; b < this.count; b++) {
      const start = this.origin_t + this.key[b] * this.width_s;
      if (start + this.width_s <= from_t || start >= to_t) continue;
      const a = Math.min(this.lo[b], this.hi[b]);
      const z = Math.max(this.lo[b], this.hi[b]);
      out.push(a);
      if (z !== a && values[z] !== values[a]) out.push(z);
    }
  }

  /** Doubles the bucket width, merging neighbours. */
  private halve(values: Float64Array): void {
    this.width_s *= 2;
    let n = 0;
    for (let b = 0; b < this.count; b++) {
      const k = Math.floor(this.key[b] / 2);
      if (n > 0 && this.key[n - 1] === k) {
        // The merged bucket keeps the lower of the two minima and the higher of the two maxima;
        // ties keep the earlier point, like add().
        if (values[this.lo[b]] < values[this.lo[n - 1]]) this.lo[n - 1] = this.lo[b];
        if (values[this.hi[b]] > values[this.hi[n - 1]]) this.hi[n - 1] = this.hi[b];
        continue;
      }
      this.key[n] = k;
      this.lo[n] = this.lo[b];
      this.hi[n] = this.hi[b];
      n++;
    }
    this.count = n;
  }

  private grow(): void {
    const size = this.key.length * 2;
    const key = new Float64Array(size);
    const lo = new Int32Array(size);
    const hi = new Int32Array(size);
    key.set(this.key);
    lo.set(this.lo);
    hi.set(this.hi);
    Object.assign(this, { key, lo, hi });
  }
}

function dedupeSorted(list: number[]): void {
  list.sort((a, b) => a - b);
  let n = 0;
  for (const x of list) if (n === 0 || list[n - 1] !== x) list[n++] = x;
  list.length = n;
}
