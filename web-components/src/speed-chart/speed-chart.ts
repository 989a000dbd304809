import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ChartPoint, PhaseSpan } from '@backup-telemetry/contract';
import type { Socket } from 'socket.io-client';
import { axisStyle, tooltipStyle } from '../shared/chart-controller.js';
import { ChartElement } from '../shared/chart-element.js';
import { download, phaseAt, phasesFromPoints, pointsToCsv } from '../shared/chart-data.js';
import { escapeHtml, formatClock, pointMibps } from '../shared/format.js';
import type { JobChart } from '../shared/telemetry-controller.js';
import type { ChartTheme } from '../shared/theme.js';
import { readChartTheme } from '../shared/theme.js';
import { LiveSeries } from '../shared/live-series.js';
import { speedChartStyles } from './speed-chart.styles.js';

/**
 * Time columns the chart thins to: half the window's width in CSS pixels (256–2,048). Buckets merge in
 * pairs, so a job has between half that and that many, each drawn as its min and max: at most about one
 * point per pixel, and a one-point spike is still drawn.
 */
const columnsToDraw = () => Math.min(2048, Math.max(256, Math.round((globalThis.innerWidth || 1024) / 2)));

/**
 * Transfer speed of one backup over time: MiB/s against elapsed mm:ss, phases shaded and labelled,
 * progress percent on a second axis. Wheel/drag to zoom and pan; PNG and CSV export.
 *
 * Give it data (`points`, optionally `phases`) or a `job-id` to load from the hub and follow live.
 *
 * @tag bt-speed-chart
 * @csspart toolbar - The row with the live badge and the export buttons.
 * @csspart chart - The chart canvas area.
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-chart-speed - Speed line colour (falls back to `--vscode-charts-blue`).
 * @cssprop --bt-chart-progress - Progress line colour (falls back to `--vscode-charts-green`).
 * @cssprop --bt-chart-phase - Shading of alternate phases.
 * @cssprop --bt-chart-grid - Grid line colour (falls back to `--vscode-charts-lines`).
 */
@customElement('bt-speed-chart')
export class BtSpeedChart extends ChartElement {
  static override styles = speedChartStyles;

  /** Chart points as the API sends them (seconds since start, bytes per second, percent, phase), drawn in MiB/s. Not mutated; use `appendPoint` for live data. */
  @property({ attribute: false }) points: ChartPoint[] = [];
  /** Phase spans (from `performance_metrics.phases`); derived from the points' `phase` when null. */
  @property({ attribute: false }) phases: PhaseSpan[] | null = null;
  /** Shows a loading message instead of the chart. */
  @property({ type: Boolean }) loading = false;
  /** Shows this error instead of the chart. */
  @property() error: string | null = null;
  /** Text shown when there are no points. */
  @property({ attribute: 'empty-text' }) emptyText = 'No performance data for this backup';
  /** Marks the chart as following a running job. */
  @property({ type: Boolean }) live = false;
  /** Base name of exported files. */
  @property() filename = 'backup-speed';
  /** Load this job's chart from the hub and follow it live (optional; otherwise pass `points`). */
  @property({ attribute: 'job-id' }) jobId: string | null = null;
  /** Hub URL for live updates (the `/telemetry` namespace is appended). */
  @property({ attribute: 'socket-url' }) socketUrl: string | null = null;
  /** An existing socket.io-client Socket on the hub's `/telemetry` namespace. */
  @property({ attribute: false }) socket: Socket | null = null;

  @state() private data: ChartPoint[] = [];
  @state() private spans: PhaseSpan[] = [];
  private derivedPhases = true;
  /** Every point as typed columns (t, MiB/s, percent), thinned for drawing. */
  private series = new LiveSeries(columnsToDraw());
  /** How many points the chart drew last. */
  private drawnLength = 0;
  private frame?: number;
  private zoomPercent: [number, number] = [0, 100];
  private drawnTheme?: ChartTheme;
  private drawnSpans = 0;

  constructor() {
    super();
    this.charts.onInit = () => this.charts.chart?.on('datazoom', this.onZoom);
  }

  protected override onLivePoint(jobId: string, point: ChartPoint): void {
    if (jobId === this.jobId) this.appendPoint(point);
  }

  protected override onChartLoaded(jobId: string, chart: JobChart): void {
    if (jobId !== this.jobId) return;
    this.points = chart.points;
    this.phases = chart.phases;
    this.live = chart.source === 'live_snapshots';
  }

  /** The points currently drawn, including live ones. */
  get currentPoints(): readonly ChartPoint[] {
    return this.data;
  }

  /**
   * Appends one live point; the chart redraws once per animation frame however many points arrived
   * in it (call `flush()` to draw at once). Points not after the last one are ignored.
   * @returns whether the point was appended.
   */
  appendPoint(point: ChartPoint): boolean {
    const last = this.data[this.data.length - 1];
    if (last && point.t <= last.t) return false;
    this.data.push(point);
    this.series.push(point.t, pointMibps(point.s), point.p);
    if (this.derivedPhases) {
      const span = this.spans[this.spans.length - 1];
      if (point.phase && point.phase !== span?.phase) {
        this.spans.push({ phase: point.phase, start_t: point.t, end_t: point.t });
      } else if (span) {
        span.end_t = point.t;
      }
    }
    if (this.data.length === 1 || !this.charts.chart) {
      this.requestUpdate('data');
      return true;
    }
    this.frame ??= requestAnimationFrame(() => this.flush());
    return true;
  }

  /** Draws the points appended since the last frame now (one `setOption` with only the series data). */
  flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    if (!this.charts.chart || this.drawnLength === this.series.length) return;
    const theme = readChartTheme(this);
    const [speed, progress] = this.drawnSeries();
    const [zoomStart, zoomEnd] = this.zoomPercent; // kept across a theme change
    this.charts.patch({
      series: [
        { id: 'speed', data: speed, ...(this.derivedPhases ? { markArea: this.markArea(theme) } : {}) },
        { id: 'progress', data: progress },
      ],
    });
  }

  /** The thinned points to draw (see LiveSeries), for the zoomed-in window if there is one. */
  private drawnSeries(): [[number, number][], [number, number][]] {
    const s = this.series;
    this.drawnLength = s.length;
    const end_t = s.length ? s.t[s.length - 1] : 0;
    const [start, end] = this.zoomPercent;
    const indices = start > 0 || end < 100 ? s.drawn((start / 100) * end_t, (end / 100) * end_t) : s.drawn();
    const speed: [number, number][] = new Array(indices.length);
    const progress: [number, number][] = new Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      speed[k] = [s.t[i], s.v[i]];
      progress[k] = [s.t[i], s.w[i]];
    }
    return [speed, progress];
  }

  private onZoom = (event: unknown) => {
    const e = event as { start?: number; end?: number; batch?: { start?: number; end?: number }[] };
    const z = e.batch?.[0] ?? e;
    if (typeof z.start !== 'number' || typeof z.end !== 'number') return;
    this.zoomPercent = [z.start, z.end];
    this.drawnLength = -1; // redraw the window at full resolution
    this.frame ??= requestAnimationFrame(() => this.flush());
  };

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
  }

  /** The drawn data as CSV (t_seconds, speed_mibps, progress_percent, phase). */
  toCsv(): string {
    return pointsToCsv(this.data, this.spans);
  }

  exportCsv(): void {
    download(`${this.filename}.csv`, this.toCsv(), 'text/csv');
  }

  exportPng(): void {
    const chart = this.charts.chart;
    if (!chart) return;
    const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: readChartTheme(this).bg });
    const a = document.createElement('a');
    a.href = url;
    a.download = `${this.filename}.png`;
    a.click();
  }

  /** Zooms back out to the whole job. */
  resetZoom(): void {
    this.charts.chart?.dispatchAction({ type: 'dataZoom', start: 0, end: 100 });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    Object.assign(this.hub, { socketUrl: this.socketUrl, socket: this.socket });
    if (changed.has('points') || changed.has('phases')) {
      this.data = [...(this.points ?? [])];
      this.derivedPhases = !this.phases;
      this.spans = this.phases ? [...this.phases] : phasesFromPoints(this.data);
      const data = this.data;
      this.series = LiveSeries.from(columnsToDraw(), data.length, (i) => [data[i].t, pointMibps(data[i].s), data[i].p]);
      this.zoomPercent = [0, 100];
    }
    if (changed.has('jobId') && this.jobId) {
      this.hub.unwatchAll();
      void this.hub.loadChart(this.jobId);
      this.hub.watchJob(this.jobId);
    }
  }

  /** Live points are patched in by `appendPoint`; only new data or a new theme redraws the whole chart. */
  protected override needsRedraw(changed: PropertyValues<this>): boolean {
    return ['data', 'spans', 'points', 'phases', 'theme'].some((k) => changed.has(k as keyof BtSpeedChart));
  }

  private get ownState() {
    const chart = this.jobId ? this.hub.charts.get(this.jobId) : undefined;
    return {
      loading: this.loading || chart?.status === 'loading',
      error: this.error ?? (chart?.status === 'error' ? chart.error ?? 'Could not load the chart' : null),
    };
  }

  protected override render() {
    const { loading, error } = this.ownState;
    if (loading) return html`<div class="state" part="state" role="status">Loading performance data…</div>`;
    if (error) return html`<div class="state error" part="state" role="alert">Could not load the chart: ${error}</div>`;
    if (this.data.length === 0) {
      return html`<div class="state" part="state" role="status">
        <span>${this.emptyText}</span>
        <small>Jobs recorded before performance tracking, or that sent no telemetry, have no speed chart.</small>
      </div>`;
    }
    return html`
      <div class="toolbar" part="toolbar">
        ${this.live ? html`<span class="live">● Live</span>` : nothing}
        <button class="bt-button secondary" @click=${this.resetZoom} title="Show the whole job">Reset zoom</button>
        <button class="bt-button secondary" @click=${this.exportPng}>Export PNG</button>
        <button class="bt-button secondary" @click=${this.exportCsv}>Export CSV</button>
      </div>
      <div class="chart" part="chart" role="img" aria-label="Transfer speed in MiB/s and progress over elapsed time"></div>
    `;
  }

  private markArea(theme: ChartTheme) {
    const spans = this.spans;
    this.drawnSpans = spans.length;
    return {
      silent: true,
      label: { color: theme.muted, fontFamily: theme.font, fontSize: 11, position: 'insideTopLeft' },
      data: spans.map((span, i) => [
        { name: span.phase, xAxis: span.start_t, itemStyle: { color: i % 2 === 0 ? theme.phase : 'transparent', borderColor: theme.border, borderWidth: 0 } },
        // Live (phases derived from the points), the last phase has no end: it runs to the axis end.
        i + 1 < spans.length ? { xAxis: spans[i + 1].start_t } : this.derivedPhases ? {} : { xAxis: span.end_t },
      ]),
    };
  }

  protected override chartOption(theme: ChartTheme) {
    this.drawnTheme = theme; // live frames reuse it rather than read the tokens (a style recalculation) each time
    const axis = axisStyle(theme);
    const [speed, progress] = this.drawnSeries();
    const [zoomStart, zoomEnd] = this.zoomPercent; // kept across a theme change
    const spans = this.spans;
    return {
      animation: this.data.length < 2000,
      textStyle: { fontFamily: theme.font },
      grid: { left: 56, right: 56, top: 60, bottom: 64 },
      legend: { top: 0, left: 'center', textStyle: { color: theme.fg }, data: ['Speed', 'Progress'] },
      tooltip: {
        trigger: 'axis',
        ...tooltipStyle(theme),
        axisPointer: { type: 'line', lineStyle: { color: theme.muted } },
        formatter: (params: unknown) => {
          const list = (Array.isArray(params) ? params : [params]) as { seriesName: string; value: [number, number] }[];
          if (!list.length) return '';
          const t = list[0].value[0];
          const rows = [`<b>${formatClock(t)}</b>`];
          for (const item of list) {
            const value = item.seriesName === 'Speed' ? `${Number(item.value[1]).toFixed(1)} MiB/s` : `${item.value[1]} %`;
            rows.push(`${escapeHtml(item.seriesName)}: ${escapeHtml(value)}`);
          }
          const phase = phaseAt(spans, t);
          if (phase !== undefined) rows.push(`Phase: ${escapeHtml(phase)}`);
          return rows.join('<br>');
        },
      },
      xAxis: {
        type: 'value',
        min: 0,
        max: 'dataMax',
        ...axis,
        splitLine: { show: false },
        axisLabel: { ...axis.axisLabel, formatter: (v: number) => formatClock(v) },
      },
      yAxis: [
        { type: 'value', name: 'MiB/s', min: 0, ...axis },
        { type: 'value', name: 'Progress %', min: 0, max: 100, ...axis, splitLine: { show: false } },
      ],
      dataZoom: [
        { type: 'inside', filterMode: 'none', start: zoomStart, end: zoomEnd },
        {
          type: 'slider',
          filterMode: 'none',
          start: zoomStart,
          end: zoomEnd,
          height: 18,
          bottom: 12,
          borderColor: theme.border,
          textStyle: { color: theme.muted },
          fillerColor: 'rgba(128,128,128,0.2)',
          dataBackground: { lineStyle: { color: theme.speed }, areaStyle: { color: theme.speed, opacity: 0.15 } },
          labelFormatter: (v: number) => formatClock(v),
        },
      ],
      series: [
        {
          id: 'speed',
          name: 'Speed',
          type: 'line',
          showSymbol: false,
          data: speed,
          color: theme.speed,
          lineStyle: { width: 1.5 },
          areaStyle: { opacity: 0.15 },
          markArea: this.markArea(theme),
        },
        {
          id: 'progress',
          name: 'Progress',
          type: 'line',
          yAxisIndex: 1,
          showSymbol: false,
          data: progress,
          color: theme.progress,
          lineStyle: { width: 1.5, type: 'dashed' },
        },
      ],
    };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-speed-chart': BtSpeedChart;
  }
}
