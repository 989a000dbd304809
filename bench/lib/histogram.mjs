// A fixed-bucket latency histogram (0.1 ms buckets up to 60 s) that several processes can merge.
const BUCKET_MS = 0.1;
const BUCKETS = 600_000;

export function createHistogram() {
  return { counts: new Uint32Array(BUCKETS + 1), n: 0 };
}

export function record(h, ms) {
  const i = Math.min(BUCKETS, Math.max(0, Math.floor(ms / BUCKET_MS)));
  h.counts[i]++;
  h.n++;
}

/** Sparse form for a JSON line: [[bucket, count], …]. */
export const toSparse = (h) => { const out = []; h.counts.forEach((c, i) => { if (c) out.push([i, c]); }); return out; };

export function mergeSparse(list) {
  const h = createHistogram();
  for (const sparse of list) for (const [i, c] of sparse) { h.counts[i] += c; h.n += c; }
  return h;
}

export function quantile(h, q) {
  if (h.n === 0) return NaN;
  const target = Math.ceil(q * h.n);
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i];
    if (seen >= target) return (i + 0.5) * BUCKET_MS;
  }
  return NaN;
}
