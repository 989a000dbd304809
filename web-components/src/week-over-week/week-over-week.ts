import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BackupJob } from '@backup-telemetry/contract';
import { formatBytes, formatDateTime, formatDuration, formatMibps, formatPercent, bpsToMibps } from '../shared/format.js';
import { HubElement } from '../shared/hub-element.js';
import { splitWeeks, weekChanges, WEEK_MS, type Change, type Metric, type WeekFigures, type WeekSplit } from './week-compare.js';
import { weekOverWeekStyles } from './week-over-week.styles.js';

const LABELS: Record<Metric, string> = {
  jobs: 'Jobs',
  success_rate: 'Success rate',
  data: 'Data moved',
  duration: 'Average duration',
  speed: 'Average speed',
};
const ARROWS = { up: '▲', down: '▼', same: '=', none: '·' } as const;

function value(metric: Metric, w: WeekFigures): string {
  switch (metric) {
    case 'jobs': return String(w.jobs);
    case 'success_rate': return formatPercent(w.success_rate_percent, 1);
    case 'data': return formatBytes(w.bytes_transferred);
    case 'duration': return w.avg_duration_seconds == null ? '—' : formatDuration(w.avg_duration_seconds);
    case 'speed': return w.avg_speed_bps == null ? '—' : formatMibps(bpsToMibps(w.avg_speed_bps));
  }
}

/**
 * This week against the last: jobs, success rate, data moved, average duration and speed, each with
 * its change in words ("up 12 %", "down 3 jobs", "up 20 %, slower", "no change") and an arrow coloured
 * by whether it is good news — the words say the same, so colour is never the only cue. A week is the
 * rolling 7 days (168 h) up to now; last week the 7 days before; jobs count in the week they were
 * created. Pass `backups` (at least the last 14 days of them), or set `vm-name` to load them from the hub.
 *
 * @tag bt-week-over-week
 * @csspart table - The comparison table.
 * @csspart change - A change cell (arrow and words).
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-success - A change for the better.
 * @cssprop --bt-error - A change for the worse.
 * @cssprop --bt-warning - The note that older backups are not loaded.
 */
@customElement('bt-week-over-week')
export class BtWeekOverWeek extends HubElement {
  static override styles = weekOverWeekStyles;

  /** Backups in any order. */
  @property({ attribute: false }) backups: BackupJob[] | null = null;
  /** Load this VM's backups from the hub (optional; otherwise pass `backups`). */
  @property({ attribute: 'vm-name' }) vmName: string | null = null;
  /** Narrows the loaded backups to one repository. */
  @property({ attribute: 'repository-id' }) repositoryId: string | null = null;
  /** Whether older backups exist than those in `backups`: then, if they do not reach back 14 days, a note says so. */
  @property({ type: Boolean, attribute: 'has-older' }) hasOlder = false;
  /** "Now" in epoch ms, the end of this week; the time of each render when unset. */
  @property({ type: Number }) now: number | null = null;

  /** The two weeks' figures (for hosts and tests). */
  get split(): WeekSplit {
    return splitWeeks(this.backups ?? this.hub.backups, this.now ?? Date.now());
  }

  /** The five changes, as shown. */
  get changes(): Change[] {
    return weekChanges(this.split);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // The week-over-week needs 14 days; 500 backups cover 14 days at one backup every 40 minutes.
    if ((changed.has('vmName') || changed.has('repositoryId')) && this.vmName && !this.backups) {
      void this.hub.loadVm(this.vmName, this.repositoryId, 500);
    }
  }

  private get partial(): boolean {
    const jobs = this.backups ?? this.hub.backups;
    const older = this.backups ? this.hasOlder : this.hub.nextBefore !== null;
    if (!older || jobs.length === 0) return false;
    const oldest = Math.min(...jobs.map((j) => Date.parse(j.created_at)));
    return oldest > (this.now ?? Date.now()) - 2 * WEEK_MS;
  }

  protected override render() {
    if (!this.backups && this.hub.status === 'loading') return html`<div class="state" part="state" role="status">Loading…</div>`;
    if (!this.backups && this.hub.status === 'error') {
      return html`<div class="state error" part="state" role="alert">Could not load backups: ${this.hub.error}</div>`;
    }
    const split = this.split;
    if (split.current.jobs === 0 && split.previous.jobs === 0) {
      return html`<div class="state" part="state" role="status">No backups in the last 14 days</div>`;
    }
    const changes = weekChanges(split);
    return html`
      <p class="range">
        This week: ${formatDateTime(new Date(split.current_from_ms).toISOString())} – ${formatDateTime(new Date(split.now_ms).toISOString())};
        last week: the 7 days before (your local time).
      </p>
      <table part="table">
        <thead><tr><th scope="col">Measure</th><th scope="col" class="num">This week</th><th scope="col" class="num">Last week</th><th scope="col">Change</th></tr></thead>
        <tbody>
          ${changes.map((c) => html`<tr data-metric=${c.metric}>
            <th scope="row">${LABELS[c.metric]}</th>
            <td class="num">${value(c.metric, split.current)}</td>
            <td class="num">${value(c.metric, split.previous)}</td>
            <td class="change ${c.tone}" part="change"><span class="arrow" aria-hidden="true">${ARROWS[c.direction]}</span><span class="words">${c.words}</span></td>
          </tr>`)}
        </tbody>
      </table>
      ${this.partial ? html`<p class="note" role="note">Older backups are not loaded: last week may be incomplete.</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-week-over-week': BtWeekOverWeek;
  }
}
