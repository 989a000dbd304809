import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { BackupJob, BackupStats, ChartPoint, Machine, MachineInsight } from '@backup-telemetry/contract';
import type { Socket } from 'socket.io-client';
import '../backup-history/backup-history.js';
import '../backup-trends/backup-trends.js';
import '../job-details/job-details.js';
import '../job-progress/job-progress.js';
import '../speed-chart/speed-chart.js';
import '../stage-chart/stage-chart.js';
import '../success-donut/success-donut.js';
import '../size-distribution/size-distribution.js';
import '../job-timeline/job-timeline.js';
import '../week-over-week/week-over-week.js';
import type { BtSpeedChart } from '../speed-chart/speed-chart.js';
import type { JobSelectDetail } from '../backup-history/backup-history.js';
import { bottleneckFromPoints, summarizePoints } from '../shared/chart-data.js';
import { deepActiveElement, tabbables } from '../shared/focus.js';
import { formatBytes, formatDateTime, formatDuration, formatMibps, formatPercent, bpsToMibps } from '../shared/format.js';
import { HubElement } from '../shared/hub-element.js';
import { anomalyNotes, bottleneckLine, warningNotes } from '../shared/insight-text.js';
import { jobLabel, untrustedText } from '../shared/job-text.js';
import { fromMetrics, type JobChart, type TelemetryController } from '../shared/telemetry-controller.js';
import { machineDetailsStyles } from './machine-details.styles.js';

export type MachineDetailsTab = 'summary' | 'performance' | 'analytics';
const TABS: { id: MachineDetailsTab; label: string }[] = [
  { id: 'summary', label: 'Summary' },
  { id: 'performance', label: 'Performance' },
  { id: 'analytics', label: 'Analytics' },
];

/**
 * The machine details modal for one VM: Summary (machine facts, KPIs, history, live progress),
 * Performance (per-backup speed chart, live while a job runs; what was unusual about the backup for
 * this machine; its bottleneck and stage chart when the client reported stage times; the backup's
 * details: error, technical facts and its session log, live too) and Analytics (success donut, early
 * warnings, trends). Choosing a row of the history table opens that backup on Performance.
 *
 * Set `vm-name` and `open`; it loads from the hub's REST API and, with `socket-url` or `socket`,
 * follows running jobs live. Or pass `machine`, `backups` and `stats` as properties (no network).
 *
 * @tag bt-machine-details
 * @fires close - The modal was closed (Esc or the close button); `open` is now false.
 * @fires job-select - A backup was chosen in the history table or the job selector; `detail: { job }`.
 * @csspart dialog - The modal box.
 * @csspart header - Title row with the VM name and the close button.
 * @csspart close-button - The close button.
 * @csspart export-pdf - The "Export PDF" link (downloads the hub's PDF report of the VM, see `report-days`).
 * @csspart tabs - The tab list.
 * @csspart tab - Each tab button.
 * @csspart panel - The active tab panel.
 * @csspart kpi - Each KPI card.
 * @csspart machine-info - The machine facts card.
 * @csspart anomalies - The Performance tab's list of what was unusual about the backup.
 * @csspart anomaly - Each finding (class `warning` or `critical`).
 * @csspart bottleneck - The "Bottleneck: Network" line under the speed chart.
 * @csspart warnings - The Analytics tab's early warnings.
 * @csspart warning - Each early warning (class `warning` or `critical`).
 * @csspart no-warnings - The line shown when there is nothing to warn of.
 * @cssprop --bt-background - Modal background (falls back to `--vscode-editor-background`).
 * @cssprop --bt-foreground - Text colour (falls back to `--vscode-foreground`).
 * @cssprop --bt-muted-foreground - Labels (falls back to `--vscode-descriptionForeground`).
 * @cssprop --bt-surface - Cards (falls back to `--vscode-editorWidget-background`).
 * @cssprop --bt-border - Borders (falls back to `--vscode-panel-border`).
 * @cssprop --bt-accent - Active tab, focus ring, progress (falls back to `--vscode-focusBorder`).
 * @cssprop --bt-font-family - Font (falls back to `--vscode-font-family`).
 * @cssprop --bt-font-size - Font size (falls back to `--vscode-font-size`).
 */
@customElement('bt-machine-details')
export class BtMachineDetails extends HubElement {
  static override styles = machineDetailsStyles;

  /** The VM to show. */
  @property({ attribute: 'vm-name' }) vmName = '';
  /** Narrows backups and stats to one repository. */
  @property({ attribute: 'repository-id' }) repositoryId: string | null = null;
  /** Whether the modal is shown. */
  @property({ type: Boolean, reflect: true }) open = false;
  /** Hub URL for live updates (the `/telemetry` namespace is appended). */
  @property({ attribute: 'socket-url' }) socketUrl: string | null = null;
  /** An existing socket.io-client Socket on the hub's `/telemetry` namespace. */
  @property({ attribute: false }) socket: Socket | null = null;
  /** The active tab. */
  @property({ reflect: true }) tab: MachineDetailsTab = 'summary';
  /** The backup shown on the Performance tab; defaults to the running or newest one. */
  @property({ attribute: 'selected-job-id' }) selectedJobId: string | null = null;
  /** Machine facts to show without fetching. */
  @property({ attribute: false }) machine: Machine | null = null;
  /** Backups (newest first) to show without fetching; jobs with `performance_metrics` get a chart. */
  @property({ attribute: false }) backups: BackupJob[] | null = null;
  /** Stats to show without fetching. */
  @property({ attribute: false }) stats: BackupStats | null = null;
  /** Early warnings (`GET /machines/:vm_name/insight`) to show without fetching. */
  @property({ attribute: false }) insight: MachineInsight | null = null;

  /** Days the "Export PDF" report covers (1–366; the hub's `GET /reports/machines/:vm_name.pdf?days=`). */
  @property({ type: Number, attribute: 'report-days' }) reportDays = 30;

  /** The hub's PDF report of this VM over `reportDays` days. */
  get reportUrl(): string {
    const vm = this.vmName || this.telemetry.machine?.vm_name || '';
    return `${this.apiBase}/reports/machines/${encodeURIComponent(vm)}.pdf?days=${encodeURIComponent(String(this.reportDays))}`;
  }

  @query('dialog') private dialog?: HTMLDialogElement;
  @query('bt-speed-chart') private speedChart?: BtSpeedChart;
  @state() private focusTab = false;
  private returnFocus: HTMLElement | null = null;
  /** The running job whose room the Performance chart joined; left when another job is shown. */
  private watchedJobId: string | null = null;

  /** The data layer (REST + socket). A host with its own socket may call `telemetry.receive(event, payload)`. */
  get telemetry(): TelemetryController {
    return this.hub;
  }

  protected override onLivePoint(jobId: string, point: ChartPoint): void {
    if (jobId !== this.currentJob?.backup_id) return;
    this.speedChart?.appendPoint(point);
    // The live chart's points grow in place: the stage chart redraws from the same array.
    if (point.b) this.renderRoot.querySelector('bt-stage-chart')?.requestUpdate();
  }

  private get hostData(): boolean {
    return this.backups !== null || this.machine !== null || this.stats !== null || this.insight !== null;
  }

  /** The job the Performance tab shows. */
  get currentJob(): BackupJob | undefined {
    const jobs = this.telemetry.backups;
    return jobs.find((j) => j.backup_id === this.selectedJobId) ?? jobs.find((j) => j.status === 'running') ?? jobs[0];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.hasUpdated) return;
    if (this.open && this.telemetry.status === 'idle') this.reload();
    this.requestUpdate();
  }

  /** Closes the modal and fires `close`. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.dispatchEvent(new CustomEvent('close', { bubbles: true, composed: true }));
  }

  /** Reloads everything from the hub. */
  reload(): void {
    if (this.vmName && !this.hostData) {
      this.telemetry.charts.clear();
      this.telemetry.logs.clear();
      void this.telemetry.loadVm(this.vmName, this.repositoryId);
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    Object.assign(this.telemetry, { socketUrl: this.socketUrl, socket: this.socket });
    if (changed.has('backups') || changed.has('machine') || changed.has('stats') || changed.has('insight')) {
      if (this.hostData) {
        this.telemetry.insight = this.insight;
        this.telemetry.machine = this.machine;
        this.telemetry.backups = this.backups ?? [];
        this.telemetry.stats = this.stats;
        this.telemetry.status = 'ready';
      }
    }
    const reopened = changed.has('open') && this.open;
    if (this.open && (reopened || changed.has('vmName') || changed.has('repositoryId') || changed.has('apiBase'))) {
      this.reload();
      this.unwatchAll();
      if (this.vmName) this.telemetry.watchVm(this.vmName);
    }
    if (changed.has('open') && !this.open) this.unwatchAll();
    if (this.open) this.prepareChart();
  }

  /** Makes sure the current job's chart is loaded, or seeded from data we already have. */
  private prepareChart(): void {
    const job = this.currentJob;
    if (this.watchedJobId && this.watchedJobId !== job?.backup_id) {
      this.telemetry.unwatch({ job_id: this.watchedJobId });
      this.watchedJobId = null;
    }
    if (!job || this.tab !== 'performance') return;
    const id = job.backup_id;
    if (job.status === 'running') {
      this.telemetry.watchJob(id);
      this.watchedJobId = id;
    }
    // Loaded once (a failed load is not retried on every render); pushes that came first are merged in.
    const log = this.telemetry.logs.get(id);
    if (!this.hostData && (!log || log.status === 'loading')) void this.telemetry.loadLog(id);
    if (this.telemetry.charts.has(id)) return;
    if (job.performance_metrics) {
      this.telemetry.setChart(id, fromMetrics(job.performance_metrics));
    } else if (this.hostData) {
      const source = job.status === 'running' ? 'live_snapshots' : 'none';
      this.telemetry.setChart(id, { status: 'ready', source, points: [], phases: null, metrics: null });
    } else if (job.started_at) {
      void this.telemetry.loadChart(id);
    }
  }

  private unwatchAll(): void {
    this.telemetry.unwatchAll();
    this.watchedJobId = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const dialog = this.dialog;
    // Also re-shows the modal after the element was moved (removal drops a dialog from the top layer).
    // A late response or ack can update it while it is off the page, where showModal() would throw.
    if (!this.isConnected) return;
    if (this.open && dialog && !dialog.matches(':modal')) {
      if (changed.has('open')) this.returnFocus = deepActiveElement() as HTMLElement | null;
      if (dialog.open) dialog.close();
      dialog.showModal();
      this.focusActiveTab();
    } else if (!this.open && dialog?.open) {
      dialog.close();
      this.returnFocus?.focus?.();
    }
    if (this.focusTab) {
      this.focusTab = false;
      this.focusActiveTab();
    }
  }

  private focusActiveTab(): void {
    this.renderRoot.querySelector<HTMLElement>(`#tab-${this.tab}`)?.focus();
  }

  private selectTab(tab: MachineDetailsTab, focus = false): void {
    this.tab = tab;
    this.focusTab = focus;
  }

  private onTabKey(e: KeyboardEvent): void {
    const i = TABS.findIndex((t) => t.id === this.tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    this.selectTab(TABS[(next + TABS.length) % TABS.length].id, true);
  }

  private onDialogKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
      return;
    }
    if (e.key !== 'Tab' || !this.dialog) return;
    const items = tabbables(this.dialog);
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const active = deepActiveElement();
    const first = items[0];
    const last = items[items.length - 1];
    const inside = items.some((el) => el === active);
    if (e.shiftKey && (active === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  }

  private selectJob(job: BackupJob, showPerformance: boolean): void {
    this.selectedJobId = job.backup_id;
    if (showPerformance) this.selectTab('performance');
    this.dispatchEvent(new CustomEvent<JobSelectDetail>('job-select', { detail: { job }, bubbles: true, composed: true }));
  }

  protected override render() {
    const vm = this.vmName || this.telemetry.machine?.vm_name || '';
    return html`<dialog
      part="dialog"
      aria-modal="true"
      aria-labelledby="title"
      @cancel=${(e: Event) => { e.preventDefault(); this.close(); }}
      @keydown=${this.onDialogKey}
    >
      ${this.open
        ? html`
            <header part="header">
              <div>
                <h2 id="title">${untrustedText(vm)}</h2>
                <div class="subtitle">${this.repositoryId ? `Repository ${this.repositoryId}` : 'Machine details'}</div>
              </div>
              <a class="export" part="export-pdf" href=${this.reportUrl} download title="Download a PDF report of the last ${this.reportDays} days">Export PDF</a>
              <button class="close" part="close-button" aria-label="Close" title="Close (Esc)" @click=${this.close}>×</button>
            </header>
            <div role="tablist" part="tabs" aria-label="Machine details" @keydown=${this.onTabKey}>
              ${TABS.map(
                (t) => html`<button
                  role="tab"
                  part="tab"
                  id="tab-${t.id}"
                  aria-selected=${t.id === this.tab ? 'true' : 'false'}
                  aria-controls=${t.id === this.tab ? `panel-${t.id}` : nothing}
                  tabindex=${t.id === this.tab ? 0 : -1}
                  @click=${() => this.selectTab(t.id)}
                >${t.label}</button>`,
              )}
            </div>
            <div role="tabpanel" part="panel" id="panel-${this.tab}" aria-labelledby="tab-${this.tab}">${this.panel()}</div>
          `
        : nothing}
    </dialog>`;
  }

  private panel() {
    const t = this.telemetry;
    if (t.status === 'loading' || t.status === 'idle') return html`<div class="state" role="status">Loading machine details…</div>`;
    if (t.status === 'error') {
      return html`<div class="state error" role="alert">
        <p>Could not load this machine: ${t.error}</p>
        <button class="bt-button" @click=${() => this.reload()}>Retry</button>
      </div>`;
    }
    if (this.tab === 'performance') return this.performance();
    if (this.tab === 'analytics') return this.analytics();
    return this.summary();
  }

  private kpi(label: string, value: string) {
    return html`<div class="kpi" part="kpi"><span class="label">${label}</span><span class="value">${value}</span></div>`;
  }

  private summary() {
    const { machine, stats, backups } = this.telemetry;
    const running = backups.filter((j) => j.status === 'running');
    const disks = machine?.disks ?? [];
    return html`
      <section class="top">
        <div class="card" part="machine-info">
          <h3>Machine</h3>
          ${machine
            ? html`<dl>
                <dt>OS</dt><dd>${machine.os ? untrustedText(machine.os) : '—'}</dd>
                <dt>CPU cores</dt><dd>${machine.cpu_count ?? '—'}</dd>
                <dt>Memory</dt><dd>${machine.memory_bytes ? formatBytes(machine.memory_bytes) : '—'}</dd>
                <dt>Disks</dt>
                <dd>${disks.length
                  ? disks.map((d, i) => html`${i ? html`<br />` : nothing}${d.name ?? `Disk ${d.disk_index}`}${d.size_bytes ? ` · ${formatBytes(d.size_bytes)}` : ''}`)
                  : '—'}</dd>
              </dl>`
            : html`<p class="subtitle">The backup client has not reported machine facts.</p>`}
        </div>
        <div class="kpis">
          ${this.kpi('Total backups', String(stats?.total ?? backups.length))}
          ${this.kpi('Success rate', formatPercent(stats?.success_rate_percent, 1))}
          ${this.kpi('Average size', stats?.avg_size_bytes == null ? '—' : formatBytes(stats.avg_size_bytes))}
          ${this.kpi('Average duration', stats?.avg_duration_seconds == null ? '—' : formatDuration(stats.avg_duration_seconds))}
        </div>
      </section>
      ${running.length
        ? html`<section>
            <h3>Running now</h3>
            ${running.map((job) => html`<bt-job-progress .job=${job} .staleMessage=${this.telemetry.staleMessages.get(job.backup_id) ?? null} theme=${this.theme ?? nothing}></bt-job-progress>`)}
          </section>`
        : nothing}
      <section>
        <h3>Backup history</h3>
        <bt-backup-history
          .backups=${backups}
          selected-id=${this.currentJob?.backup_id ?? nothing}
          theme=${this.theme ?? nothing}
          ?has-older=${this.telemetry.nextBefore !== null}
          ?loading-older=${this.telemetry.loadingOlder}
          older-error=${this.telemetry.olderError ?? nothing}
          @job-select=${(e: CustomEvent<JobSelectDetail>) => { e.stopPropagation(); this.selectJob(e.detail.job, true); }}
          @load-older=${(e: Event) => { e.stopPropagation(); void this.telemetry.loadOlder(); }}
        ></bt-backup-history>
      </section>
    `;
  }

  private performance() {
    const jobs = this.telemetry.backups;
    const job = this.currentJob;
    if (!job) return html`<div class="state" role="status">No backups recorded for this machine yet</div>`;
    const chart: JobChart | undefined = this.telemetry.charts.get(job.backup_id);
    const metrics = chart?.metrics ?? job.performance_metrics ?? null;
    const live = summarizePoints(chart?.points ?? []);
    const peak = metrics ? metrics.peak_speed_mbps : live.peak_mibps;
    const avg = metrics ? metrics.avg_speed_mbps : job.status === 'running' ? live.avg_mibps : null;
    const duration = metrics ? metrics.duration_seconds : job.started_at ? job.duration_seconds : null;
    return html`
      <div class="selector">
        <label for="job-select">Backup</label>
        <select id="job-select" @change=${(e: Event) => {
          const picked = jobs.find((j) => j.backup_id === (e.target as HTMLSelectElement).value);
          if (picked) this.selectJob(picked, false);
        }}>
          ${jobs.map((j) => html`<option value=${j.backup_id} ?selected=${j.backup_id === job.backup_id}>${jobLabel(j)}</option>`)}
        </select>
        ${this.telemetry.nextBefore !== null
          ? html`<button class="bt-button secondary load-older" ?disabled=${this.telemetry.loadingOlder} @click=${() => void this.telemetry.loadOlder()}>
              ${this.telemetry.loadingOlder ? 'Loading older…' : 'Load older backups'}
            </button>`
          : nothing}
      </div>
      ${job.status === 'failed' && job.error_message ? html`<div class="job-error" role="note"><strong>Failed:</strong> ${untrustedText(job.error_message)}</div>` : nothing}
      ${anomalyNotes(job.anomalies)}
      <div class="kpis perf-kpis">
        ${this.kpi('Peak speed', formatMibps(peak))}
        ${this.kpi('Average speed', formatMibps(avg ?? (job.status === 'completed' && job.duration_seconds ? bpsToMibps(job.bytes_transferred / job.duration_seconds) : null)))}
        ${this.kpi('Duration', duration == null ? '—' : formatDuration(duration))}
        ${this.kpi('Transferred', formatBytes(metrics?.bytes_transferred ?? job.bytes_transferred))}
      </div>
      ${this.speedChartFor(job, chart)}
      ${bottleneckLine(metrics ? metrics.bottleneck : bottleneckFromPoints(chart?.points ?? []))}
      <bt-stage-chart .points=${chart?.points ?? []} theme=${this.theme ?? nothing}></bt-stage-chart>
      <section class="card details">
        <h3>Backup details</h3>
        <bt-job-details hide-error .job=${job} .log=${this.telemetry.logs.get(job.backup_id) ?? null} theme=${this.theme ?? nothing}></bt-job-details>
      </section>
      ${this.historyCharts(jobs)}
    `;
  }

  /** The VM's loaded backups at a glance: when they ran (timeline) and how big they are (size distribution). */
  private historyCharts(jobs: BackupJob[]) {
    return html`
      <section class="card history-charts">
        <h3>Job timeline</h3>
        <bt-job-timeline .backups=${jobs} ?has-older=${this.telemetry.nextBefore !== null} theme=${this.theme ?? nothing}></bt-job-timeline>
      </section>
      <section class="card history-charts">
        <h3>Size distribution</h3>
        <bt-size-distribution .backups=${jobs} theme=${this.theme ?? nothing}></bt-size-distribution>
      </section>
    `;
  }

  private speedChartFor(job: BackupJob, chart: JobChart | undefined) {
    if (!job.started_at) {
      return html`<div class="notice" role="status">This backup never started (no start time was recorded), so it has no performance data.</div>`;
    }
    return html`<bt-speed-chart
      .points=${chart?.points ?? []}
      .phases=${chart?.phases ?? null}
      ?loading=${!chart || chart.status === 'loading'}
      .error=${chart?.status === 'error' ? chart.error ?? 'unknown error' : null}
      ?live=${job.status === 'running'}
      filename=${`backup-${job.backup_id}`}
      theme=${this.theme ?? nothing}
    ></bt-speed-chart>`;
  }

  private analytics() {
    const { stats, backups } = this.telemetry;
    const completed = backups.filter((j) => j.status === 'completed' && j.duration_seconds > 0);
    const bytes = completed.reduce((sum, j) => sum + j.bytes_transferred, 0);
    const seconds = completed.reduce((sum, j) => sum + j.duration_seconds, 0);
    return html`
      <section class="analytics">
        <div class="card">
          <h3>Outcome</h3>
          <bt-success-donut .stats=${stats} theme=${this.theme ?? nothing}></bt-success-donut>
        </div>
        <div class="card">
          <h3>Averages</h3>
          <div class="kpis">
            ${this.kpi('Average size', stats?.avg_size_bytes == null ? '—' : formatBytes(stats.avg_size_bytes))}
            ${this.kpi('Average duration', stats?.avg_duration_seconds == null ? '—' : formatDuration(stats.avg_duration_seconds))}
            ${this.kpi('Average speed', seconds ? formatMibps(bpsToMibps(bytes / seconds)) : '—')}
            ${this.kpi('Last backup', formatDateTime(stats?.last_backup_at ?? backups[0]?.created_at))}
          </div>
        </div>
      </section>
      <section class="card early-warnings">
        <h3>Early warnings</h3>
        ${warningNotes(this.telemetry.insight?.warnings)}
      </section>
      <section class="card">
        <h3>Week over week</h3>
        <bt-week-over-week .backups=${backups} ?has-older=${this.telemetry.nextBefore !== null} theme=${this.theme ?? nothing}></bt-week-over-week>
      </section>
      <section class="card">
        <h3>Trends</h3>
        <bt-backup-trends .backups=${backups} theme=${this.theme ?? nothing}></bt-backup-trends>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-machine-details': BtMachineDetails;
  }
}
