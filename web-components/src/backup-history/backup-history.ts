import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BackupJob } from '@backup-telemetry/contract';
import { capitalize, formatDateTime, formatPercent } from '../shared/format.js';
import { jobDuration, jobSize, untrustedText } from '../shared/job-text.js';
import { warningsText } from '../job-details/job-details.js';
import { HubElement } from '../shared/hub-element.js';
import { anomalyNotes } from '../shared/insight-text.js';
import { backupHistoryStyles } from './backup-history.styles.js';

/** Detail of the `job-select` event. */
export interface JobSelectDetail {
  job: BackupJob;
}

/**
 * Table of a VM's backups, newest first: date, type, size, duration, status. A job that completed
 * with warnings shows "Completed · N warnings" in the warning colour. A failed job's error
 * message is shown in full under its row, and so is a cancelled job's (muted: it is not an error).
 * A job the hub found unusual for its machine (`anomalies`: size, duration or speed far from the
 * VM's own history) is flagged beside its status, with each finding and its numbers under its row.
 * A **Load older backups** button ends the table while the
 * hub has older ones: with `vm-name` the element fetches them itself; with `backups` it shows the
 * button when `has-older` is set and fires `load-older` for the host to fetch the next page.
 *
 * @tag bt-backup-history
 * @fires job-select - A row was chosen (click, Enter or Space); `detail: { job }`.
 * @fires load-older - The Load older backups button was pressed.
 * @csspart table - The table.
 * @csspart row - Each job row.
 * @csspart error - The message of a failed job (error colours) or of a cancelled one (muted).
 * @csspart anomalies - The list of a flagged job's findings, under its row.
 * @csspart anomaly - Each finding (class `warning` or `critical`).
 * @csspart more - The row under the table with the Load older backups button.
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-selection-background - Selected row (falls back to `--vscode-list-activeSelectionBackground`).
 * @cssprop --bt-error-background - Background of error messages.
 */
@customElement('bt-backup-history')
export class BtBackupHistory extends HubElement {
  static override styles = backupHistoryStyles;

  /** Jobs to list, newest first. */
  @property({ attribute: false }) backups: BackupJob[] | null = null;
  /** The highlighted job. */
  @property({ attribute: 'selected-id' }) selectedId: string | null = null;
  /** With `backups`: the hub has older backups, so show the Load older backups button. */
  @property({ attribute: 'has-older', type: Boolean }) hasOlder = false;
  /** With `backups`: older backups are being fetched (the button is disabled). */
  @property({ attribute: 'loading-older', type: Boolean }) loadingOlder = false;
  /** With `backups`: why fetching older backups failed; shown beside the button. */
  @property({ attribute: 'older-error' }) olderError: string | null = null;
  /** Load this VM's backups from the hub (optional; otherwise pass `backups`). */
  @property({ attribute: 'vm-name' }) vmName: string | null = null;
  /** Narrows the loaded backups to one repository. */
  @property({ attribute: 'repository-id' }) repositoryId: string | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if ((changed.has('vmName') || changed.has('repositoryId')) && this.vmName && !this.backups) {
      void this.hub.loadVm(this.vmName, this.repositoryId);
    }
  }

  private loadOlder(): void {
    if (!this.backups) void this.hub.loadOlder();
    this.dispatchEvent(new CustomEvent('load-older', { bubbles: true, composed: true }));
  }

  private more() {
    const own = !this.backups;
    const hasOlder = own ? this.hub.nextBefore !== null : this.hasOlder;
    const loading = own ? this.hub.loadingOlder : this.loadingOlder;
    const error = own ? this.hub.olderError : this.olderError;
    if (!hasOlder) return nothing;
    return html`<div class="more" part="more">
      <button class="bt-button secondary" ?disabled=${loading} @click=${this.loadOlder}>${loading ? 'Loading older backups…' : 'Load older backups'}</button>
      ${error ? html`<span class="older-error" role="alert">Could not load older backups: ${error}</span>` : nothing}
    </div>`;
  }

  private select(job: BackupJob): void {
    this.selectedId = job.backup_id;
    this.dispatchEvent(new CustomEvent<JobSelectDetail>('job-select', { detail: { job }, bubbles: true, composed: true }));
  }

  protected override render() {
    const jobs = this.backups ?? this.hub.backups;
    if (!this.backups && this.hub.status === 'loading') return html`<div class="state" part="state" role="status">Loading backups…</div>`;
    if (!this.backups && this.hub.status === 'error') {
      return html`<div class="state error" part="state" role="alert">Could not load backups: ${this.hub.error}</div>`;
    }
    if (jobs.length === 0) return html`<div class="state" part="state" role="status">No backups recorded for this machine yet</div>`;
    return html`<table part="table" aria-label="Backup history">
      <thead>
        <tr><th scope="col">Date</th><th scope="col">Type</th><th scope="col" class="num">Size</th><th scope="col" class="num">Duration</th><th scope="col">Status</th></tr>
      </thead>
      <tbody>
        ${jobs.map((job) => this.row(job))}
      </tbody>
    </table>
    ${this.more()}`;
  }

  /** "Unusual" beside the status of a flagged job (critical when any finding is). */
  private flag(job: BackupJob) {
    if (!job.anomalies?.length) return nothing;
    const critical = job.anomalies.some((a) => a.severity === 'critical');
    return html`<span class="flag ${critical ? 'critical' : 'warning'}" title="Unusual for this machine">⚠ Unusual</span>`;
  }

  private row(job: BackupJob) {
    const selected = job.backup_id === this.selectedId;
    const warned = job.status === 'completed' && job.warnings_count > 0;
    const status = job.status === 'running' ? `Running ${formatPercent(job.progress_percent)}` : warned ? `Completed · ${warningsText(job.warnings_count)}` : capitalize(job.status);
    return html`
      <tr class="job" part="row" data-job-id=${job.backup_id} aria-current=${selected ? 'true' : 'false'} @click=${() => this.select(job)}>
        <td><button class="pick" title="Show this backup's performance" @click=${(e: Event) => { e.stopPropagation(); this.select(job); }}>${formatDateTime(job.started_at ?? job.created_at)}</button></td>
        <td>${capitalize(job.type)}</td>
        <td class="num">${jobSize(job)}</td>
        <td class="num ${job.started_at ? '' : 'muted'}">${jobDuration(job)}</td>
        <td><span class="status ${job.status} ${warned ? 'warning' : ''}"><span class="dot"></span>${status}</span>${this.flag(job)}</td>
      </tr>
      ${job.anomalies?.length
        ? html`<tr class="anomaly-row" ?data-selected=${selected} @click=${() => this.select(job)}><td colspan="5">${anomalyNotes(job.anomalies)}</td></tr>`
        : nothing}
      ${(job.status === 'failed' || job.status === 'cancelled') && job.error_message
        ? html`<tr class="error-row" ?data-selected=${selected} @click=${() => this.select(job)}>
            <td colspan="5"><div class="error-message ${job.status}" part="error" role="note">
              <strong>${job.status === 'failed' ? 'Error:' : 'Reason:'}</strong><span>${untrustedText(job.error_message)}</span>
            </div></td>
          </tr>`
        : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-backup-history': BtBackupHistory;
  }
}
