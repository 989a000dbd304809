/**
 * Largest-Triangle-Three-Buckets downsampling of a series to at most `max` points, returning the
 * indices kept. The first and last points and the global maximum of `y` are always kept, so a
 * chart never hides the true peak.
 */
export function downsampleIndices(x: readonly number[], y: readonly number[], maxPoints: number): number[] {
  const n = x.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const max = Math.max(3, maxPoints);
  let peak = 0;
  for (let i = 1; i < n; i++) if (y[i]! > y[peak]!) peak = i;

  const kept: number[] = [0];
  const bucketSize = (n - 2) / (max - 2);
  let a = 0;
  for (let b = 0; b < max - 2; b++) {
    const start = Math.floor(b * bucketSize) + 1;
    const end = Math.min(Math.floor((b + 1) * bucketSize) + 1, n - 1);
    // Average of the next bucket (or the last point) is the third triangle vertex.
    const nextStart = end;
    const nextEnd = Math.min(Math.floor((b + 2) * bucketSize) + 1, n);
    let avgX = 0, avgY = 0;
    const count = Math.max(1, nextEnd - nextStart);
    for (let j = nextStart; j < nextStart + count && j < n; j++) { avgX += x[j]!; avgY += y[j]!; }
    avgX /= count; avgY /= count;

    let chosen = start;
    if (peak >= start && peak < end) {
      chosen = peak;
    } else {
      let bestArea = -1;
      for (let j = start; j < end; j++) {
        const area = Math.abs((x[a]! - avgX) * (y[j]! - y[a]!) - (x[a]! - x[j]!) * (avgY - y[a]!));
        if (area > bestArea) { bestArea = area; chosen = j; }
      }
    }
    kept.push(chosen);
    a = chosen;
  }
  kept.push(n - 1);
  return kept;
}
