// Small statistics helpers: medians of interleaved rounds, percentiles of latency samples.

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Runs `subjects` (name → async () => sample) interleaved, A B C A B C …, `rounds` times; returns
 * name → samples[]. Interleaving spreads the shared machine's noise over every subject alike.
 */
export async function interleave(subjects, rounds, onRound = () => {}) {
  const out = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(subjects)) {
      const sample = await fn(r);
      out[name].push(sample);
      onRound(name, r, sample);
    }
  }
  return out;
}

export const fmt = {
  int: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–'),
  ms: (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' ms' : '–'),
  ratio: (v) => (Number.isFinite(v) ? v.toFixed(2) : '–'),
  x: (v) => (Number.isFinite(v) ? v.toFixed(2) + '×' : '–'),
  kib: (v) => (Number.isFinite(v) ? (v / 1024).toFixed(1) + ' KiB' : '–'),
  bytes: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') + ' B' : '–'),
};
