import { html, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BackupStats } from '@backup-telemetry/contract';
import { tooltipStyle } from '../shared/chart-controller.js';
import { ChartElement } from '../shared/chart-element.js';
import { escapeHtml, formatPercent } from '../shared/format.js';
import type { ChartTheme } from '../shared/theme.js';
import { successDonutStyles } from './success-donut.styles.js';

/**
 * Completed / completed with warnings / failed / cancelled backups as a donut with the success rate
 * (completed with or without warnings, over ended) in the middle.
 * Pass `stats` (a `BackupStats`), or set `vm-name` to load them from the hub.
 *
 * @tag bt-success-donut
 * @csspart chart - The donut canvas.
 * @csspart rate - The success rate in the middle.
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-success - Completed slice (falls back to `--vscode-testing-iconPassed`).
 * @cssprop --bt-error - Failed slice (falls back to `--vscode-errorForeground`).
 * @cssprop --bt-warning - Completed-with-warnings and cancelled slices (falls back to `--vscode-editorWarning-foreground`).
 */
@customElement('bt-success-donut')
export class BtSuccessDonut extends ChartElement {
  static override styles = successDonutStyles;

  /** Counts by status and the success rate. */
  @property({ attribute: false }) stats: BackupStats | null = null;
  /** Load the stats of this VM from the hub (optional; otherwise pass `stats`). */
  @property({ attribute: 'vm-name' }) vmName: string | null = null;
  /** Narrows the loaded stats to one repository. */
  @property({ attribute: 'repository-id' }) repositoryId: string | null = null;

  private get current(): BackupStats | null {
    return this.stats ?? this.hub.stats;
  }

  private get counts() {
    const by = this.current?.by_status;
    const completed = by?.completed ?? 0;
    const warnings = Math.min(completed, this.current?.completed_with_warnings ?? 0);
    return { completed, clean: completed - warnings, warnings, failed: by?.failed ?? 0, cancelled: by?.cancelled ?? 0 };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if ((changed.has('vmName') || changed.has('repositoryId')) && this.vmName && !this.stats) {
      void this.hub.loadVm(this.vmName, this.repositoryId, 1);
    }
  }

  protected override render() {
    if (!this.current && this.hub.status === 'loading') return html`<div class="state" part="state" role="status">Loading…</div>`;
    if (!this.current && this.hub.status === 'error') {
      return html`<div class="state error" part="state" role="alert">Could not load statistics: ${this.hub.error}</div>`;
    }
    const { completed, warnings, failed, cancelled } = this.counts;
    const ended = completed + failed + cancelled;
    if (ended === 0) return html`<div class="state" part="state" role="status">No finished backups yet</div>`;
    const rate = this.current?.success_rate_percent ?? (completed / ended) * 100;
    const withWarnings = warnings ? ` (${warnings} with warnings)` : '';
    const label = `${formatPercent(rate, rate % 1 ? 1 : 0)} success: ${completed} completed${withWarnings}, ${failed} failed, ${cancelled} cancelled`;
    return html`<div class="wrap" role="img" aria-label=${label}>
      <div class="chart" part="chart"></div>
      <div class="center" part="rate"><span class="rate">${formatPercent(rate, rate % 1 ? 1 : 0)}</span><span class="caption">success</span></div>
    </div>`;
  }

  protected override chartOption(theme: ChartTheme) {
    const { clean, warnings, failed, cancelled } = this.counts;
    const data = [
      { name: 'Completed', value: clean, itemStyle: { color: theme.success } },
      ...(warnings ? [{ name: 'With warnings', value: warnings, itemStyle: { color: theme.warning } }] : []),
      { name: 'Failed', value: failed, itemStyle: { color: theme.error } },
      ...(cancelled ? [{ name: 'Cancelled', value: cancelled, itemStyle: { color: theme.warning } }] : []),
    ];
    return {
      textStyle: { fontFamily: theme.font },
      tooltip: {
        trigger: 'item',
        ...tooltipStyle(theme),
        formatter: (p: { name: string; value: number; percent: number }) =>
          `${escapeHtml(p.name)}: ${escapeHtml(p.value)} (${escapeHtml(p.percent)}%)`,
      },
      legend: { bottom: 0, textStyle: { color: theme.fg }, itemWidth: 10, itemHeight: 10 },
      series: [
        {
          type: 'pie',
          radius: ['58%', '78%'],
          center: ['50%', '45%'],
          avoidLabelOverlap: true,
          label: { show: false },
          itemStyle: { borderColor: theme.bg, borderWidth: 2 },
          data,
        },
      ],
    };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-success-donut': BtSuccessDonut;
  }
}
