import { html, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BackupJob } from '@backup-telemetry/contract';
import { axisStyle, tooltipStyle } from '../shared/chart-controller.js';
import { ChartElement } from '../shared/chart-element.js';
import { capitalize, escapeHtml, formatBytes, formatDateTime, formatDuration } from '../shared/format.js';
import type { ChartTheme } from '../shared/theme.js';
import { backupTrendsStyles } from './backup-trends.styles.js';

const GIB = 1024 ** 3;

/**
 * Size (bars, GiB) and duration (line, minutes) of a VM's ended backups over time, oldest left.
 * Pass `backups`, or set `vm-name` to load them from the hub.
 *
 * @tag bt-backup-trends
 * @csspart chart - The chart canvas.
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-chart-size - Size bars (falls back to `--vscode-charts-purple`).
 * @cssprop --bt-chart-speed - Duration line (falls back to `--vscode-charts-blue`).
 */
@customElement('bt-backup-trends')
export class BtBackupTrends extends ChartElement {
  static override styles = backupTrendsStyles;

  /** Backups in any order; only ended ones that started are plotted. */
  @property({ attribute: false }) backups: BackupJob[] | null = null;
  /** Load this VM's backups from the hub (optional; otherwise pass `backups`). */
  @property({ attribute: 'vm-name' }) vmName: string | null = null;
  /** Narrows the loaded backups to one repository. */
  @property({ attribute: 'repository-id' }) repositoryId: string | null = null;

  private get ended(): BackupJob[] {
    const jobs = this.backups ?? this.hub.backups;
    return jobs
      .filter((j) => j.started_at && (j.status === 'completed' || j.status === 'failed'))
      .sort((a, b) => Date.parse(a.started_at!) - Date.parse(b.started_at!));
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
    if (this.ended.length === 0) return html`<div class="state" part="state" role="status">No finished backups to show trends for</div>`;
    return html`<div class="chart" part="chart" role="img" aria-label="Backup size and duration over time"></div>`;
  }

  protected override chartOption(theme: ChartTheme) {
    const jobs = this.ended;
    const axis = axisStyle(theme);
    return {
      textStyle: { fontFamily: theme.font },
      grid: { left: 56, right: 56, top: 60, bottom: 40 },
      legend: { top: 0, left: 'center', textStyle: { color: theme.fg }, data: ['Size', 'Duration'] },
      tooltip: {
        trigger: 'axis',
        ...tooltipStyle(theme),
        formatter: (params: { dataIndex: number }[]) => {
          const job = jobs[params[0]?.dataIndex ?? -1];
          if (!job) return '';
          return [
            `<b>${escapeHtml(formatDateTime(job.started_at))}</b> — ${escapeHtml(capitalize(job.type))}`,
            `Size: ${escapeHtml(formatBytes(job.bytes_transferred))}`,
            `Duration: ${escapeHtml(formatDuration(job.duration_seconds))}`,
            `Status: ${escapeHtml(job.status)}`,
          ].join('<br>');
        },
      },
      xAxis: { type: 'category', data: jobs.map((j) => formatDateTime(j.started_at)), ...axis, splitLine: { show: false } },
      yAxis: [
        { type: 'value', name: 'GiB', min: 0, ...axis },
        { type: 'value', name: 'minutes', min: 0, ...axis, splitLine: { show: false } },
      ],
      series: [
        {
          name: 'Size',
          type: 'bar',
          barMaxWidth: 28,
          color: theme.size,
          data: jobs.map((j) => ({
            value: Math.round((j.bytes_transferred / GIB) * 100) / 100,
            itemStyle: j.status === 'failed' ? { color: theme.error } : undefined,
          })),
        },
        {
          name: 'Duration',
          type: 'line',
          yAxisIndex: 1,
          color: theme.speed,
          symbolSize: 6,
          data: jobs.map((j) => Math.round((j.duration_seconds / 60) * 10) / 10),
        },
      ],
    };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-backup-trends': BtBackupTrends;
  }
}
