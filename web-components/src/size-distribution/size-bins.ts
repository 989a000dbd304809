import type { BackupJob, BackupType } from '@backup-telemetry/contract';

/** One histogram bin: sizes from `lower_bytes` (inclusive) to `upper_bytes` (exclusive; the last bin includes it). */
export interface SizeBin {
  lower_bytes: number;
  upper_bytes: number;
  full: number;
  incremental: number;
}

export interface SizeHistogram {
  /** `log` when the largest backup is at least `LOG_RATIO` times the smallest: bins double (or more) in width. */
  scale: 'linear' | 'log';
  bins: SizeBin[];
  /** Backups counted (completed, with bytes). */
  total: number;
}

/** Largest / smallest size from which bins grow geometrically, so small incrementals and large fulls both show. */
export const LOG_RATIO = 16;
const MAX_BINS = 12;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** Sizes of a VM's completed backups with data, by type. Failed and cancelled jobs moved a partial size, not a backup's. */
export function backupSizes(jobs: readonly BackupJob[]): { type: BackupType; bytes: number }[] {
  return jobs.filter((j) => j.status === 'completed' && j.bytes_transferred > 0).map((j) => ({ type: j.type, bytes: j.bytes_transferred }));
}

/** A 1, 2 or 5 × 10^k step of at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

function edges(min: number, max: number): { scale: SizeHistogram['scale']; edges: number[] } {
  if (max / min >= LOG_RATIO) {
    // Powers of two of bytes, widened (×4, ×8…) until at most MAX_BINS bins cover [min, max].
    const lo = Math.floor(Math.log2(min));
    const hi = Math.floor(Math.log2(max)) + 1;
    const stride = Math.ceil((hi - lo) / MAX_BINS);
    const out: number[] = [];
    for (let k = lo; ; k += stride) {
      out.push(2 ** k);
      if (2 ** k > max) break;
    }
    return { scale: 'log', edges: out };
  }
  // Steps of 1, 2 or 5 × 10^k GiB (MiB below a GiB), so bin edges read as round numbers.
  const unit = max >= GIB ? GIB : MIB;
  const step = unit * niceStep(max === min ? max / unit / 10 : (max - min) / unit / MAX_BINS);
  const out: number[] = [];
  for (let edge = Math.floor(min / step) * step; ; edge += step) {
    out.push(edge);
    if (edge > max) break;
  }
  return { scale: 'linear', edges: out };
}

/** Histogram of completed backups' sizes, full and incremental counted apart, on shared bins. */
export function sizeHistogram(jobs: readonly BackupJob[]): SizeHistogram {
  const sizes = backupSizes(jobs);
  if (sizes.length === 0) return { scale: 'linear', bins: [], total: 0 };
  const values = sizes.map((s) => s.bytes);
  const { scale, edges: e } = edges(Math.min(...values), Math.max(...values));
  const bins: SizeBin[] = e.slice(0, -1).map((lower, i) => ({ lower_bytes: lower, upper_bytes: e[i + 1], full: 0, incremental: 0 }));
  for (const { type, bytes } of sizes) {
    const bin = bins.find((b) => bytes >= b.lower_bytes && bytes < b.upper_bytes) ?? bins[bins.length - 1];
    bin[type] += 1;
  }
  return { scale, bins, total: sizes.length };
}
