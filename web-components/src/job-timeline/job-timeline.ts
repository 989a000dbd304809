import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { BackupJob } from '@backup-telemetry/contract';
import { axisStyle, tooltipStyle } from '../shared/chart-controller.js';
import { ChartElement } from '../shared/chart-element.js';
import { capitalize, escapeHtml, formatBytes, formatDateTime, formatDuration } from '../shared/format.js';
import { untrustedText } from '../shared/job-text.js';
import type { ChartTheme } from '../shared/theme.js';
import { jobTimelineStyles } from './job-timeline.styles.js';
import { jobSpan, timeline, type Outcome, type Timeline, type TimelineBar } from './timeline-rows.js';

const DAY_MS = 86_400_000;
/** Day rows shown at once; more are reached with the scroll bar or the wheel. */
export const VISIBLE_DAYS = 14;
const ROW_PX = 22;
/** Outcome names as the legend, the table and the tooltip say them; a mark drawn at the end of the bar says it on the chart. */
const OUTCOME_MARK: Partial<Record<Outcome, string>> = { failed: '✕', running: '▶', cancelled: '–' };

/**
 * The backup window at a glance: one row per day (the viewer's local days), the hours of the day
 * across, and a bar for each job from its start to its end — a job crossing midnight continues on the
 * next row, a running job extends to now. Outcome by colour and by drawing (failed: ✕ at the end,
 * running: dashed outline and ▶, cancelled: hollow), named in the legend and the tooltip. The jobs are
 * also a table one keypress away. Pass `backups`, or set `vm-name` to load them from the hub.
 *
 * @tag bt-job-timeline
 * @csspart chart - The chart canvas.
 * @csspart legend - What the bar styles mean.
 * @csspart table - The jobs as a table (inside a disclosure).
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-success - Completed jobs.
 * @cssprop --bt-error - Failed jobs.
 * @cssprop --bt-warning - Cancelled jobs.
 * @cssprop --bt-chart-speed - Running jobs.
 */
@customElement('bt-job-timeline')
export class BtJobTimeline extends ChartElement {
  static override styles = jobTimelineStyles;

  /** Backups in any order; those that started in the last `days` days are drawn. */
  @property({ attribute: false }) backups: BackupJob[] | null = null;
  /** Load this VM's backups from the hub (optional; otherwise pass `backups`). */
  @property({ attribute: 'vm-name' }) vmName: string | null = null;
  /** Narrows the loaded backups to one repository. */
  @property({ attribute: 'repository-id' }) repositoryId: string | null = null;
  /** Days back from now that are drawn. */
  @property({ type: Number }) days = 30;
  /** Whether older backups exist than those in `backups`: then, if the drawn days start after the range does, a note says so. */
  @property({ type: Boolean, attribute: 'has-older' }) hasOlder = false;
  /** "Now" in epoch ms (where running jobs end); the time of each render when unset. */
  @property({ type: Number }) now: number | null = null;

  @state() private tableOpen = false;

  /** The rows and bars drawn (for hosts and tests). */
  get timeline(): Timeline {
    const now = this.now ?? Date.now();
    return timeline(this.backups ?? this.hub.backups, now, now - this.days * DAY_MS);
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
    const t = this.timeline;
    if (t.jobs.length === 0) return html`<div class="state" part="state" role="status">No backups started in the last ${this.days} days</div>`;
    const counts = countOutcomes(t.jobs);
    const label = `Timeline of ${t.jobs.length} backups over ${t.days.length} days: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}`;
    const rows = Math.min(t.days.length, VISIBLE_DAYS);
    return html`
      <ul class="legend" part="legend">
        <li><span class="swatch completed"></span>Completed</li>
        <li><span class="swatch failed"></span>Failed ✕</li>
        <li><span class="swatch running"></span>Running ▶</li>
        <li><span class="swatch cancelled"></span>Cancelled (hollow)</li>
      </ul>
      <div class="chart" part="chart" role="img" aria-label=${label} style=${`height: ${80 + rows * ROW_PX}px`}></div>
      ${this.partial(t) ? html`<p class="note" role="note">Older backups are not loaded: the timeline starts ${dayLabel(t.days[0])}.</p>` : nothing}
      <details @toggle=${(e: Event) => (this.tableOpen = (e.target as HTMLDetailsElement).open)}>
        <summary>Show as table (${t.jobs.length} backups)</summary>
        ${this.tableOpen ? this.table(t.jobs) : nothing}
      </details>
    `;
  }

  /** True when days of the range may be missing because older backups were not loaded. */
  private partial(t: Timeline): boolean {
    const older = this.backups ? this.hasOlder : this.hub.nextBefore !== null;
    const [y, m, d] = t.days[0].split('-').map(Number);
    return older && new Date(y, m - 1, d).getTime() > (this.now ?? Date.now()) - this.days * DAY_MS;
  }

  private table(jobs: BackupJob[]) {
    const now = this.now ?? Date.now();
    return html`<table part="table">
      <thead><tr><th scope="col">Start</th><th scope="col">Duration</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Status</th><th scope="col">Error</th></tr></thead>
      <tbody>
        ${[...jobs].reverse().map((j) => html`<tr>
          <td>${formatDateTime(j.started_at)}</td>
          <td>${durationOf(j, now)}</td>
          <td>${capitalize(j.type)}</td>
          <td class="num">${formatBytes(j.bytes_transferred)}</td>
          <td class=${j.status}>${capitalize(j.status)}</td>
          <td class="error">${j.error_message ? untrustedText(j.error_message) : ''}</td>
        </tr>`)}
      </tbody>
    </table>`;
  }

  protected override chartOption(theme: ChartTheme) {
    const t = this.timeline;
    const now = this.now ?? Date.now();
    const axis = axisStyle(theme);
    const fill: Record<string, string> = { completed: theme.success, failed: theme.error, running: theme.speed, cancelled: 'transparent', pending: theme.muted };
    const zoom = t.days.length > VISIBLE_DAYS;
    return {
      textStyle: { fontFamily: theme.font },
      grid: { left: 84, right: zoom ? 36 : 16, top: 10, bottom: 40 },
      tooltip: {
        trigger: 'item',
        ...tooltipStyle(theme),
        formatter: (p: { dataIndex: number }) => tooltipFor(t.bars[p.dataIndex], now),
      },
      xAxis: {
        type: 'value', min: 0, max: 24, interval: 3, name: 'hour of day (local time)', nameLocation: 'middle', nameGap: 26,
        ...axis, axisLabel: { ...axis.axisLabel, formatter: (h: number) => `${String(h).padStart(2, '0')}:00` },
      },
      yAxis: { type: 'category', inverse: true, data: t.days.map(dayLabel), ...axis, splitLine: { show: false } },
      dataZoom: zoom
        ? [
            // Newest days in view; scroll up for older ones.
            { type: 'slider', yAxisIndex: 0, right: 4, width: 14, startValue: t.days.length - VISIBLE_DAYS, endValue: t.days.length - 1, showDetail: false, zoomLock: true, brushSelect: false },
            { type: 'inside', yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true, moveOnMouseMove: false },
          ]
        : [],
      series: [
        {
          type: 'custom',
          clip: true,
          encode: { x: [1, 2], y: 0 },
          data: t.bars.map((b) => [b.day, b.start_hour, b.end_hour]),
          renderItem: (params: { dataIndex: number }, api: RenderApi) => {
            const bar = t.bars[params.dataIndex];
            const from = api.coord([api.value(1), api.value(0)]);
            const to = api.coord([api.value(2), api.value(0)]);
            const height = Math.max(6, api.size([0, 1])[1] * 0.6);
            const width = Math.max(3, to[0] - from[0]);
            const children: unknown[] = [
              {
                type: 'rect',
                shape: { x: from[0], y: from[1] - height / 2, width, height, r: 2 },
                style: {
                  fill: fill[bar.outcome] ?? theme.muted,
                  stroke: bar.outcome === 'cancelled' ? theme.warning : bar.outcome === 'running' ? theme.fg : undefined,
                  lineWidth: bar.outcome === 'cancelled' ? 2 : 1,
                  lineDash: bar.outcome === 'running' ? [4, 2] : undefined,
                },
              },
            ];
            const mark = bar.continues ? undefined : OUTCOME_MARK[bar.outcome];
            if (mark) {
              children.push({
                type: 'text',
                style: { text: mark, x: from[0] + width + 3, y: from[1], verticalAlign: 'middle', fill: bar.outcome === 'failed' ? theme.error : theme.fg, font: `bold 11px ${theme.font}` },
              });
            }
            return { type: 'group', children };
          },
        },
      ],
    };
  }
}

interface RenderApi {
  value(dim: number): number | string;
  coord(point: (number | string)[]): number[];
  size(range: number[]): number[];
}

function countOutcomes(jobs: BackupJob[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of jobs) out[j.status] = (out[j.status] ?? 0) + 1;
  return out;
}

/** `2024-10-10` → `Thu Oct 10`. */
function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString('en-US', { weekday: 'short', month: 'short', day: 'numeric' });
}

function durationOf(job: BackupJob, now: number): string {
  const span = jobSpan(job, now);
  if (!span) return '—';
  return formatDuration(job.status === 'running' ? (span.end_ms - span.start_ms) / 1000 : job.duration_seconds || (span.end_ms - span.start_ms) / 1000);
}

/** Start, duration, size, status and error of the job under a bar; every value escaped (error text comes from clients). */
function tooltipFor(bar: TimelineBar | undefined, now: number): string {
  if (!bar) return '';
  const j = bar.job;
  return [
    `<b>${escapeHtml(formatDateTime(j.started_at))}</b> — ${escapeHtml(capitalize(j.type))}`,
    `Duration: ${escapeHtml(durationOf(j, now))}${j.status === 'running' ? ' so far' : ''}`,
    `Size: ${escapeHtml(formatBytes(j.bytes_transferred))}`,
    `Status: ${escapeHtml(capitalize(j.status))}`,
    ...(j.error_message ? [`Error: ${escapeHtml(j.error_message)}`] : []),
  ].join('<br>');
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-job-timeline': BtJobTimeline;
  }
}
