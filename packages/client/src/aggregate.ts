import type { DiskProgress } from '@backup-telemetry/contract';

/** Per-disk progress merged across reports and summed into job totals. Pure. */

/** Merges the disks of one report into what is known: fields a report leaves out keep their last value. */
export function mergeDisks(known: ReadonlyMap<number, DiskProgress>, incoming: readonly DiskProgress[] | undefined): Map<number, DiskProgress> {
  const merged = new Map(known);
  for (const disk of incoming ?? []) {
    const previous = merged.get(disk.disk_index) ?? { disk_index: disk.disk_index };
    merged.set(disk.disk_index, { ...previous, ...definedFields(disk) });
  }
  return merged;
}

/** Disks in index order, with `progress_percent` derived from bytes where the caller gave none. */
export function diskList(disks: ReadonlyMap<number, DiskProgress>): DiskProgress[] {
  return [...disks.values()]
    .sort((a, b) => a.disk_index - b.disk_index)
    .map((disk) => {
      if (disk.progress_percent !== undefined) return { ...disk };
      const percent = percentOf(disk.bytes_transferred, disk.total_bytes);
      return percent === undefined ? { ...disk } : { ...disk, progress_percent: percent };
    });
}

/** Sums of the disks' byte counts; a total is only given when every disk has one. */
export function jobTotals(disks: readonly DiskProgress[]): { bytes_transferred?: number; total_bytes?: number } {
  if (disks.length === 0) return {};
  const totals: { bytes_transferred?: number; total_bytes?: number } = {};
  if (disks.some((d) => d.bytes_transferred !== undefined)) totals.bytes_transferred = disks.reduce((sum, d) => sum + (d.bytes_transferred ?? 0), 0);
  if (disks.every((d) => d.total_bytes !== undefined)) totals.total_bytes = disks.reduce((sum, d) => sum + d.total_bytes!, 0);
  return totals;
}

/**
 * `bytes / total` in percent with one decimal; undefined without a positive total. Only a finished
 * transfer shows 100 (99.96 % is 99.9), and a rounding hair below a milestone counts as reaching it.
 */
export function percentOf(bytes: number | undefined, total: number | undefined): number | undefined {
  if (bytes === undefined || total === undefined || total <= 0) return undefined;
  if (bytes >= total) return 100;
  return Math.min(99.9, Math.round((bytes / total) * 1000) / 10);
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
