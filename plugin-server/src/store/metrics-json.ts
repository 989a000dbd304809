import type { ChartPoint, PerformanceMetrics } from '@backup-telemetry/contract';

/**
 * `performance_metrics` as `backup_jobs` stores it. Chart points name their phase only where it
 * changes (the API repeats it on every point), and `chart_unit` marks points whose `s` is bytes per
 * second. Rows written before the mark hold MiB/s (2 decimals): they are converted when read, so
 * an upgrade rewrites no row (a migration over a table of 500k ended jobs would hold it for minutes;
 * the read costs microseconds per job: `bench/chart-units`).
 */
interface StoredMetrics extends Omit<PerformanceMetrics, 'chart_data'> {
  chart_data: StoredPoint[];
  chart_unit?: typeof BYTES_PER_SECOND;
}
type StoredPoint = Omit<ChartPoint, 'phase'> & { phase?: string };

const BYTES_PER_SECOND = 'B/s';
const MIB = 1024 * 1024;

export function metricsToDb(metrics: PerformanceMetrics): StoredMetrics {
  let phase = '';
  const chart_data = metrics.chart_data.map(({ phase: at, ...rest }): StoredPoint => {
    if (at === phase) return rest;
    phase = at;
    return { ...rest, phase: at };
  });
  return { ...metrics, chart_data, chart_unit: BYTES_PER_SECOND };
}

export function metricsFromDb(stored: StoredMetrics | null): PerformanceMetrics | null {
  if (!stored) return null;
  const { chart_unit, chart_data, ...rest } = stored;
  const toBps = chart_unit === BYTES_PER_SECOND ? (s: number) => s : (s: number) => Math.round(s * MIB);
  let phase = '';
  return { ...rest, chart_data: (chart_data ?? []).map((p) => {
    const point: ChartPoint = { t: p.t, s: toBps(p.s), p: p.p, phase: (phase = p.phase ?? phase) };
    if (p.b) point.b = p.b;
    return point;
  }) };
}
