import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { BackupJob, DiskState } from '@backup-telemetry/contract';
import type { Socket } from 'socket.io-client';
import { bpsToMibps, capitalize, formatBytes, formatDuration, formatMibps, formatPercent } from '../shared/format.js';
import { diskStatusTone } from '../shared/disk-status.js';
import { HubElement } from '../shared/hub-element.js';
import { untrustedText } from '../shared/job-text.js';
import { jobProgressStyles } from './job-progress.styles.js';

/**
 * Live progress of one backup: overall and per-disk bars, phase, speed, ETA.
 * Pass `job`, or set `job-id` (with `socket-url` or `socket` to follow it live).
 *
 * @tag bt-job-progress
 * @csspart card - The outer box.
 * @csspart bar - The overall progress bar.
 * @csspart disks - The per-disk grid.
 * @csspart disk-status - A disk's status as the client reported it, coloured by its meaning
 *   (waiting, at work, done, skipped or cancelled, failed; an unknown status is shown neutrally).
 * @csspart state - The loading / error message.
 * @cssprop --bt-accent - Progress bar and at-work disk status colour (falls back to `--vscode-focusBorder`).
 * @cssprop --bt-success - Colour of a completed disk.
 * @cssprop --bt-warning - Colour of a skipped or cancelled disk.
 * @cssprop --bt-error - Colour of a failed disk.
 */
@customElement('bt-job-progress')
export class BtJobProgress extends HubElement {
  static override styles = jobProgressStyles;
  // Widths are set through styleMap (CSSOM), not a style attribute, so a webview CSP without
  // 'unsafe-inline' styles does not block them.

  @property({ attribute: false }) job: BackupJob | null = null;
  /** A `job:stale` message to show under the progress. */
  @property({ attribute: 'stale-message' }) staleMessage: string | null = null;
  /** Load this job from the hub and follow it (optional; otherwise pass `job`). */
  @property({ attribute: 'job-id' }) jobId: string | null = null;
  /** Hub URL for live updates (the `/telemetry` namespace is appended). */
  @property({ attribute: 'socket-url' }) socketUrl: string | null = null;
  /** An existing socket.io-client Socket on the hub's `/telemetry` namespace. */
  @property({ attribute: false }) socket: Socket | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    Object.assign(this.hub, { socketUrl: this.socketUrl, socket: this.socket });
    if (changed.has('job')) this.hub.job = this.job;
    if (changed.has('jobId') && this.jobId) {
      this.hub.unwatchAll();
      if (!this.job) void this.hub.loadJob(this.jobId);
      this.hub.watchJob(this.jobId);
    }
  }

  protected override render() {
    const job = this.hub.job ?? this.job;
    if (!job) {
      if (this.hub.status === 'error') return html`<div class="state error" part="state" role="alert">Could not load the backup: ${this.hub.error}</div>`;
      return html`<div class="state" part="state" role="status">${this.jobId ? 'Loading…' : 'No backup running'}</div>`;
    }
    const percent = Math.max(0, Math.min(100, job.progress_percent ?? 0));
    const stale = this.staleMessage ?? this.hub.staleMessages.get(job.backup_id);
    return html`<div class="card" part="card">
      <div class="head">
        <span class="title">${capitalize(job.type)} backup ${job.status === 'running' ? 'running' : job.status}</span>
        ${job.current_phase ? html`<span class="phase">Phase: ${untrustedText(job.current_phase)}</span>` : nothing}
        <span class="percent">${formatPercent(percent, 1)}</span>
      </div>
      <div class="bar" part="bar" role="progressbar" aria-label="Overall progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent.toFixed(1)}>
        <div style=${styleMap({ width: `${percent}%` })}></div>
      </div>
      <div class="facts">
        <span>Speed <b>${formatMibps(bpsToMibps(job.transfer_speed_bps ?? 0))}</b></span>
        <span>ETA <b>${job.eta_seconds == null ? '—' : formatDuration(job.eta_seconds)}</b></span>
        <span>Transferred <b>${formatBytes(job.bytes_transferred)}</b>${job.total_bytes ? html` of <b>${formatBytes(job.total_bytes)}</b>` : nothing}</span>
        <span>Elapsed <b>${job.started_at ? formatDuration(job.duration_seconds) : 'not started'}</b></span>
      </div>
      ${job.disks?.length ? html`<div class="disks" part="disks">${job.disks.map((d) => this.disk(d))}</div>` : nothing}
      ${stale ? html`<div class="stale" role="alert">${stale}</div>` : nothing}
    </div>`;
  }

  private disk(disk: DiskState) {
    const percent = Math.max(0, Math.min(100, disk.progress_percent ?? 0));
    return html`
      <span class="label">Disk ${disk.disk_index}
        ${disk.status ? html`<span class="disk-status ${diskStatusTone(disk.status)}" part="disk-status">${disk.status}</span>` : nothing}
        ${formatBytes(disk.bytes_transferred)} / ${formatBytes(disk.total_bytes)}</span>
      <div class="bar small" role="progressbar" aria-label="Disk ${disk.disk_index}" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent.toFixed(1)}>
        <div style=${styleMap({ width: `${percent}%` })}></div>
      </div>
      <span class="pct">${formatPercent(percent, 1)}</span>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-job-progress': BtJobProgress;
  }
}
