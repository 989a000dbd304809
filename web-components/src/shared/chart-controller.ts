import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { EChartsType } from './echarts.js';
import { onThemeChange, readChartTheme, type ChartTheme } from './theme.js';

type Host = ReactiveControllerHost & HTMLElement;
type EChartsModule = typeof import('./echarts.js');

let loaded: EChartsModule | undefined;
let loading: Promise<EChartsModule> | undefined;
/**
 * ECharts is a dynamic import: the bundle splits it into a chunk fetched when the first chart of the
 * page draws, so a page (or a modal tab) without a chart does not download it.
 */
function loadEcharts(): Promise<EChartsModule> {
  loading ??= import('./echarts.js').then((m) => (loaded = m));
  return loading;
}

/**
 * Owns one ECharts instance for an element: creates it on a container once the container is in the
 * DOM, resizes it with the container, re-themes it when the page theme changes, and disposes it when
 * the element leaves the page.
 */
export class ChartController implements ReactiveController {
  chart?: EChartsType;
  private resizeObserver?: ResizeObserver;
  private stopTheme?: () => void;
  private container?: HTMLElement;
  private pending?: Promise<void>;
  /** Called after a chart was created and drawn. */
  onInit?: () => void;

  constructor(
    private readonly host: Host,
    /** Builds the full option from the current data and theme. */
    private readonly build: (theme: ChartTheme) => Record<string, unknown>,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.stopTheme = onThemeChange(() => this.refreshTheme());
    this.host.requestUpdate(); // re-attach after the element is moved or put back
  }

  hostDisconnected(): void {
    this.stopTheme?.();
    this.stopTheme = undefined;
    this.dispose();
  }

  /** Attaches to `container` (creating the chart) or, with none, disposes the chart. */
  attach(container: HTMLElement | null | undefined): void {
    if (!container) {
      this.dispose();
      return;
    }
    if (this.container === container && (this.pending || (this.chart && !this.chart.isDisposed()))) return;
    this.dispose();
    this.container = container;
    if (loaded) {
      this.init(loaded, container);
      return;
    }
    const pending: Promise<void> = loadEcharts().then((m) => {
      if (this.pending !== pending) return; // disposed or re-attached meanwhile
      this.pending = undefined;
      if (container.isConnected) this.init(m, container);
    });
    this.pending = pending;
  }

  /** Resolves once a chart that is being loaded is drawn (at once when none is). */
  get ready(): Promise<void> {
    return this.pending ?? Promise.resolve();
  }

  private init(m: EChartsModule, container: HTMLElement): void {
    this.chart = m.init(container, undefined, { renderer: 'canvas' });
    this.resizeObserver = new ResizeObserver(() => this.chart?.resize());
    this.resizeObserver.observe(container);
    this.render();
    this.onInit?.();
  }

  /** Replaces the whole option from current data. */
  render(): void {
    if (!this.chart || this.chart.isDisposed()) return;
    this.chart.setOption(this.build(readChartTheme(this.host)), { notMerge: true });
  }

  /** Merges a partial option (a cheap path for live updates). */
  patch(option: Record<string, unknown>): void {
    if (!this.chart || this.chart.isDisposed()) return;
    this.chart.setOption(option, { lazyUpdate: false });
  }

  /** Re-reads the colour tokens and redraws. Call it after changing `--bt-*` tokens on an ancestor. */
  refreshTheme(): void {
    this.render();
  }

  dispose(): void {
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    if (this.chart && !this.chart.isDisposed()) this.chart.dispose();
    this.chart = undefined;
    this.container = undefined;
    this.pending = undefined;
  }
}

/** Common axis styling from the theme. */
export function axisStyle(theme: ChartTheme) {
  return {
    axisLine: { lineStyle: { color: theme.border } },
    axisTick: { lineStyle: { color: theme.border } },
    axisLabel: { color: theme.muted, fontFamily: theme.font },
    splitLine: { lineStyle: { color: theme.grid } },
    nameTextStyle: { color: theme.muted, fontFamily: theme.font },
  };
}

/** Tooltip box styling; content always comes from a formatter that escapes untrusted text. */
export function tooltipStyle(theme: ChartTheme) {
  return {
    backgroundColor: theme.surface,
    borderColor: theme.border,
    textStyle: { color: theme.fg, fontFamily: theme.font, fontSize: 12 },
    extraCssText: 'box-shadow: 0 2px 8px rgba(0,0,0,.35); border-radius: 3px;',
    confine: true,
  };
}
