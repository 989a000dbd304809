import type { EChartsOption } from 'echarts';

/** Print colours (the components' status palette on white paper). */
export const COLORS = { completed: '#2e7d32', failed: '#c62828', cancelled: '#9e9e9e', running: '#1565c0', pending: '#f9a825', size: '#1565c0', duration: '#ef6c00' } as const;
export const PROTECTION_COLORS = { protected: '#2e7d32', warning: '#f9a825', at_risk: '#c62828', pending: '#1565c0', unmonitored: '#9e9e9e' } as const;

export interface ChartSvg {
  svg: string;
  width: number;
  height: number;
}

/** One chart rendered by ECharts on the server (SVG renderer, no DOM, no animation). */
export async function renderChart(option: EChartsOption, width: number, height: number): Promise<ChartSvg> {
  const echarts = await import('echarts'); // loaded on the first report, not when the plugin starts
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...option });
    return { svg: chart.renderToSVGString(), width, height };
  } finally {
    chart.dispose();
  }
}

export interface Slice {
  name: string;
  value: number;
  color: string;
}

/** A donut of counts with its legend below (zero slices left out). */
export function donutOption(title: string, slices: readonly Slice[]): EChartsOption {
  const shown = slices.filter((s) => s.value > 0);
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 12 } },
    legend: { bottom: 0, itemWidth: 10, itemHeight: 8, textStyle: { fontSize: 9 } },
    series: [{
      type: 'pie', radius: ['35%', '58%'], center: ['50%', '52%'], label: { formatter: '{c}', fontSize: 9 }, labelLine: { length: 4, length2: 4 },
      data: shown.map((s) => ({ name: s.name, value: s.value, itemStyle: { color: s.color } })),
    }],
  };
}

export interface TrendPoint {
  at_ms: number;
  bytes: number;
  duration_seconds: number;
}

/** Bars stay readable up to about this many jobs on the chart's width; past it size is a line too. */
const MAX_BARS = 60;

/** Size (GiB, bars, or a line for many jobs) and duration (minutes, line) of successful backups over the period. */
export function trendOption(points: readonly TrendPoint[], fromMs: number, toMs: number): EChartsOption {
  const GIB = 1024 ** 3;
  const sizeType = points.length > MAX_BARS ? 'line' : 'bar';
  return {
    title: { text: 'Successful backups', left: 'center', textStyle: { fontSize: 12 } },
    legend: { bottom: 0, textStyle: { fontSize: 10 } },
    grid: { left: 40, right: 40, top: 30, bottom: 45 },
    xAxis: { type: 'time', min: fromMs, max: toMs, axisLabel: { fontSize: 9, hideOverlap: true, formatter: '{MM}-{dd}' } },
    yAxis: [
      // Units are in the legend ("Size (GiB)", "Duration (min)"); axis names would collide with the title.
      { type: 'value', axisLabel: { fontSize: 9 } },
      { type: 'value', axisLabel: { fontSize: 9 }, splitLine: { show: false } },
    ],
    series: [
      { name: 'Size (GiB)', type: sizeType, yAxisIndex: 0, itemStyle: { color: COLORS.size }, barMaxWidth: 8, showSymbol: false,
        data: points.map((p) => [p.at_ms, Math.round((p.bytes / GIB) * 100) / 100]) },
      { name: 'Duration (min)', type: 'line', yAxisIndex: 1, itemStyle: { color: COLORS.duration }, symbolSize: 3, showSymbol: points.length <= MAX_BARS,
        data: points.map((p) => [p.at_ms, Math.round((p.duration_seconds / 60) * 10) / 10]) },
    ],
  };
}

const DAY_MS = 86_400_000;

export interface DailyOutcomes {
  day_ms: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** Jobs ended per day, stacked by outcome. */
export function dailyOutcomesOption(days: readonly DailyOutcomes[], fromMs: number, toMs: number): EChartsOption {
  const bar = (name: 'completed' | 'failed' | 'cancelled') => ({
    name, type: 'bar' as const, stack: 'outcomes', itemStyle: { color: COLORS[name] }, barMaxWidth: 14,
    data: days.map((d) => [d.day_ms, d[name]]),
  });
  return {
    title: { text: 'Jobs ended per day', left: 'center', textStyle: { fontSize: 12 } },
    legend: { bottom: 0, textStyle: { fontSize: 10 } },
    grid: { left: 50, right: 20, top: 42, bottom: 45 },
    xAxis: { type: 'time', min: fromMs - DAY_MS / 2, max: toMs + DAY_MS / 2, minInterval: DAY_MS, axisLabel: { fontSize: 9, hideOverlap: true, formatter: '{MM}-{dd}' } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 9 } },
    series: [bar('completed'), bar('failed'), bar('cancelled')],
  };
}
