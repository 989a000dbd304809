import { html, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BackupJob } from '@backup-telemetry/contract';
import { axisStyle, tooltipStyle } from '../shared/chart-controller.js';
import { ChartElement } from '../shared/chart-element.js';
import { escapeHtml, formatBytes } from '../shared/format.js';
import type { ChartTheme } from '../shared/theme.js';
import { sizeHistogram, type SizeBin, type SizeHistogram } from './size-bins.js';
import { sizeDistributionStyles } from './size-distribution.styles.js';

/** `8.0 GiB – 16.0 GiB`: a bin's range, lower bound included. */
export const binRange = (bin: SizeBin) => `${formatBytes(bin.lower_bytes)} – ${formatBytes(bin.upper_bytes)}`;

/** One sentence for assistive technology: what the histogram shows. */
export function describeHistogram(h: SizeHistogram): string {
  const full = h.bins.reduce((n, b) => n + b.full, 0);
  const inc = h.total - full;
  const busiest = h.bins.reduce((a, b) => (b.full + b.incremental > a.full + a.incremental ? b : a), h.bins[0]);
  return `Size distribution of ${h.total} completed backups (${full} full, ${inc} incremental) in ${h.bins.length} ${h.scale === 'log' ? 'doubling' : 'equal'} size ranges; most are ${binRange(busiest)}`;
}

/**
 * Histogram of a VM's completed backup sizes, full and incremental as two series on shared bins:
 * equal-width bins, or bins that double when the largest backup is 16× the smallest or more. A table
 * of the same counts is one keypress away. Pass `backups`, or set `vm-name` to load them from the hub.
 *
 * @tag bt-size-distribution
 * @csspart chart - The chart canvas.
 * @csspart table - The counts as a table (inside a disclosure).
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-chart-size - Full backups (falls back to `--vscode-charts-purple`).
 * @cssprop --bt-chart-speed - Incremental backups (falls back to `--vscode-charts-blue`).
 */
@customElement('bt-size-distribution')
export class BtSizeDistribution extends ChartElement {
  static override styles = sizeDistributionStyles;

  /** Backups in any order; completed ones with bytes are counted. */
  @property({ attribute: false }) backups: BackupJob[] | null = null;
  /** Load this VM's backups from the hub (optional; otherwise pass `backups`). */
  @property({ attribute: 'vm-name' }) vmName: string | null = null;
  /** Narrows the loaded backups to one repository. */
  @property({ attribute: 'repository-id' }) repositoryId: string | null = null;

  /** The bins drawn (for hosts and tests). */
  get histogram(): SizeHistogram {
    return sizeHistogram(this.backups ?? this.hub.backups);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if ((changed.has('vmName') || changed.has('repositoryId')) && this.vmName && !this.backups) {
      void this.hub.loadVm(this.vmName, this.repositoryId);
    }
  }

  protected override render() {
    if (!this.backups && this.hub.status === 'loading') return html`<div class="state" part="state" role="status">Loading…</div>`;
    if (!this.backups && this.hub.status === 'error') {
      return html`<div class="state error" part="state" role="alert">Could not load backups: ${this.hub.error}</div>`;
    }
    const h = this.histogram;
    if (h.total === 0) return html`<div class="state" part="state" role="status">No completed backups to show sizes for</div>`;
    return html`
      <p class="caption">${h.total} completed backups${h.scale === 'log' ? ' · size ranges double (log scale)' : ''}</p>
      <div class="chart" part="chart" role="img" aria-label=${describeHistogram(h)}></div>
      <details>
        <summary>Show as table</summary>
        <table part="table">
          <thead><tr><th scope="col">Size</th><th scope="col">Full</th><th scope="col">Incremental</th></tr></thead>
          <tbody>
            ${h.bins.map((b) => html`<tr><th scope="row">${binRange(b)}</th><td class="num">${b.full}</td><td class="num">${b.incremental}</td></tr>`)}
          </tbody>
        </table>
      </details>
    `;
  }

  protected override chartOption(theme: ChartTheme) {
    const { bins } = this.histogram;
    const axis = axisStyle(theme);
    return {
      textStyle: { fontFamily: theme.font },
      grid: { left: 44, right: 16, top: 36, bottom: 56 },
      legend: { top: 0, left: 'center', textStyle: { color: theme.fg }, data: ['Full', 'Incremental'] },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        ...tooltipStyle(theme),
        formatter: (params: { dataIndex: number }[]) => {
          const bin = bins[params[0]?.dataIndex ?? -1];
          if (!bin) return '';
          return [`<b>${escapeHtml(binRange(bin))}</b>`, `Full: ${bin.full}`, `Incremental: ${bin.incremental}`].join('<br>');
        },
      },
      xAxis: {
        type: 'category',
        name: 'size',
        nameLocation: 'middle',
        nameGap: 40,
        data: bins.map((b) => formatBytes(b.lower_bytes)),
        ...axis,
        splitLine: { show: false },
      },
      yAxis: { type: 'value', name: 'backups', minInterval: 1, min: 0, ...axis },
      series: [
        { name: 'Full', type: 'bar', barGap: '10%', color: theme.size, data: bins.map((b) => b.full) },
        { name: 'Incremental', type: 'bar', color: theme.speed, data: bins.map((b) => b.incremental) },
      ],
    };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-size-distribution': BtSizeDistribution;
  }
}
