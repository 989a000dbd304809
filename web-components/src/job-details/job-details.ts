import { html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { BackupJob, JobLogEntry } from '@backup-telemetry/contract';
import { capitalize, formatBytes, formatDateTime } from '../shared/format.js';
import { untrustedText } from '../shared/job-text.js';
import type { JobLog } from '../shared/telemetry-controller.js';
import { jobDetailsStyles } from './job-details.styles.js';

/** `14:28:05`: a log entry's time of day, local. */
function timeOf(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** `3 warnings` / `1 warning`. */
export function warningsText(count: number): string {
  return `${count} warning${count === 1 ? '' : 's'}`;
}

/**
 * One backup's details: its error, its technical facts (job id, repository and path, timestamps,
 * the `details` its client reported such as snapshot id and files new/changed) and its session log,
 * oldest first, with the hub's own steps and the client's lines. Every text a client sent is shown as
 * text. Pure presentation: pass `job` and `log` (`<bt-machine-details>` loads and follows both).
 *
 * @tag bt-job-details
 * @csspart facts - The technical facts list.
 * @csspart error - The failed job's error message.
 * @csspart log - The session log list.
 * @csspart entry - Each log entry (`data-level` info / warning / error, `data-source` hub / client).
 * @cssprop --bt-warning - Warning entries (falls back to `--vscode-editorWarning-foreground`).
 * @cssprop --bt-error - Error entries (falls back to `--vscode-errorForeground`).
 */
@customElement('bt-job-details')
export class BtJobDetails extends LitElement {
  static override styles = jobDetailsStyles;

  /** The job to describe. */
  @property({ attribute: false }) job: BackupJob | null = null;
  /** Its session log; null while none was loaded. */
  @property({ attribute: false }) log: JobLog | null = null;
  /** Leave the error out (a host that already shows it, like `<bt-machine-details>`). */
  @property({ attribute: 'hide-error', type: Boolean }) hideError = false;
  /** Built-in theme when no `--bt-*`/`--vscode-*` tokens are set. */
  @property({ reflect: true }) theme?: 'dark' | 'light';

  protected override render() {
    const job = this.job;
    if (!job) return nothing;
    return html`
      ${job.status === 'failed' && job.error_message && !this.hideError
        ? html`<div class="error" part="error" role="note"><strong>Error:</strong> ${untrustedText(job.error_message)}</div>`
        : nothing}
      ${job.warnings_count > 0
        ? html`<div class="warnings" role="note">${job.status === 'completed' ? 'Completed with ' : ''}${warningsText(job.warnings_count)}</div>`
        : nothing}
      <div class="columns">
        <section aria-label="Technical details">
          <h4>Technical details</h4>
          <dl part="facts">${this.facts(job)}</dl>
        </section>
        <section aria-label="Session log">
          <h4>Session log${this.log && this.log.dropped_count > 0 ? html` <span class="muted">(${this.log.dropped_count} entries dropped by the hub's bound)</span>` : nothing}</h4>
          ${this.logList()}
        </section>
      </div>
    `;
  }

  private facts(job: BackupJob) {
    const rows: [string, unknown][] = [
      ['Job id', job.backup_id],
      ['Type', `${capitalize(job.type)} ${job.job_type}`],
      ['Status', capitalize(job.status)],
      ['Repository', job.repository_id],
      ['Repository path', job.repository_path],
      ['VM context', job.vm_context_id],
      ['Transferred', job.bytes_transferred ? formatBytes(job.bytes_transferred) : null],
      ['Registered', formatDateTime(job.created_at)],
      ['Started', job.started_at ? formatDateTime(job.started_at) : null],
      ['Ended', job.completed_at ? formatDateTime(job.completed_at) : null],
      ['Last telemetry', job.last_telemetry_at ? formatDateTime(job.last_telemetry_at) : null],
      ...Object.entries(job.details ?? {}).map(([key, value]): [string, unknown] => [key, value]),
    ];
    return rows
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([label, value]) => html`<dt>${untrustedText(label)}</dt><dd>${untrustedText(String(value))}</dd>`);
  }

  private logList() {
    const log = this.log;
    if (!log || (log.status === 'loading' && log.entries.length === 0)) return html`<div class="state" role="status">Loading the session log…</div>`;
    if (log.status === 'error') return html`<div class="state error" role="alert">Could not load the session log: ${log.error}</div>`;
    if (log.entries.length === 0) return html`<div class="state" role="status">No log entries</div>`;
    return html`<ol part="log" aria-label="Session log" aria-live="polite">${log.entries.map((e) => this.entry(e))}</ol>`;
  }

  private entry(e: JobLogEntry) {
    return html`<li part="entry" data-seq=${e.seq} data-level=${e.level} data-source=${e.source}>
      <time datetime=${e.at}>${timeOf(e.at)}</time>
      <span class="level">${e.level}</span>
      <span class="source" title=${e.source === 'hub' ? 'Recorded by the hub' : 'Sent by the backup client'}>${e.source}</span>
      <span class="message">${untrustedText(e.message)}</span>
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-job-details': BtJobDetails;
  }
}
