import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import {
  SERVER_EVENTS,
  type FleetSummary,
  type Machine,
  type MachineListResponse,
  type MachineProtectionEvent,
  type MachineSort,
  type MachineUpdateEvent,
  type ProtectionStatus,
} from '@backup-telemetry/contract';
import type { Socket } from 'socket.io-client';
import { bpsToMibps, capitalize, formatDateTime, formatMibps, formatPercent } from '../shared/format.js';
import { HubElement } from '../shared/hub-element.js';
import { untrustedText } from '../shared/job-text.js';
import { queryString } from '../shared/telemetry-controller.js';
import { applyMachineUpdate, applyProtectionEvent, defaultOrder, lastBackupAt, STATUS_LABELS, STATUS_ORDER, type FleetQuery } from './fleet-rows.js';
import { fleetOverviewStyles } from './fleet-overview.styles.js';

/** Detail of the `machine-select` event. */
export interface MachineSelectDetail {
  vm_name: string;
}

/** Detail of the `fleet-query` event: the page the element shows (or, with `machines`, wants). */
export type FleetQueryDetail = FleetQuery & { limit: number };

/** Quiet time after the last keystroke before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 300;
/** Counters are re-read at most this often while pushes change statuses. */
export const SUMMARY_REFRESH_MS = 5000;
const MAX_PAGE_SIZE = 100;

const COLUMNS: { id: MachineSort | null; label: string }[] = [
  { id: 'name', label: 'Machine' },
  { id: 'status', label: 'Protection' },
  { id: 'last_success', label: 'Last success' },
  { id: 'last_backup', label: 'Last backup' },
  { id: null, label: 'Newest job' },
];

/**
 * Is every machine protected? One page of the fleet at a time: counters per protection status
 * (click one to show only those machines), a name search, sortable columns, each machine's protection
 * status with the reason (on hover and on keyboard focus), its last success, last backup and newest
 * job, live progress of running jobs, and Previous / Next pages from the hub's cursor.
 *
 * With `api-base` it loads `GET /machines` and `GET /fleet/summary`; with `socket-url` or `socket` it
 * subscribes `{fleet: true}` and applies `machine:update` pushes to the rows on screen. Or pass
 * `machines` (and `summary`) as properties: the element then fetches nothing and fires `fleet-query`
 * when the user asks for another filter, order or page.
 *
 * @tag bt-fleet-overview
 * @fires machine-select - A row was chosen (click or Enter); `detail: { vm_name }`.
 * @fires fleet-query - The filter, search, order or page changed; `detail: { status, q, sort, order, cursor, limit }`.
 * @csspart counters - The row of status counters.
 * @csspart counter - Each counter button (`aria-pressed` when it filters).
 * @csspart search - The search box.
 * @csspart table - The table.
 * @csspart row - Each machine row.
 * @csspart chip - A machine's protection status (text and colour).
 * @csspart reason - The reason under a status, shown on hover and focus.
 * @csspart pager - The paging bar under the table.
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-success - Protected.
 * @cssprop --bt-warning - Warning.
 * @cssprop --bt-error - At risk.
 * @cssprop --bt-accent - Pending, running jobs, focus ring.
 * @cssprop --bt-selection-background - Pressed counter (falls back to `--vscode-list-activeSelectionBackground`).
 */
@customElement('bt-fleet-overview')
export class BtFleetOverview extends HubElement {
  static override styles = fleetOverviewStyles;

  /** Hub URL for live updates (the `/telemetry` namespace is appended). */
  @property({ attribute: 'socket-url' }) socketUrl: string | null = null;
  /** An existing socket.io-client Socket on the hub's `/telemetry` namespace. */
  @property({ attribute: false }) socket: Socket | null = null;
  /** Machines to show without fetching (one page); the element then fetches nothing. */
  @property({ attribute: false }) machines: Machine[] | null = null;
  /** Counters to show without fetching. */
  @property({ attribute: false }) summary: FleetSummary | null = null;
  /** With `machines`: the `next_cursor` of that page (shows Next). */
  @property({ attribute: 'next-cursor' }) nextCursor: string | null = null;
  /** With `machines`: how many machines match (all pages). */
  @property({ type: Number }) total: number | null = null;
  /** Show only machines of this protection status (reflected; the counters set it). */
  @property({ reflect: true }) status: ProtectionStatus | null = null;
  /** Name search (a substring, case-insensitive). */
  @property() q = '';
  /** Sort key (`name`, `status`, `last_success`, `last_backup`). */
  @property({ reflect: true }) sort: MachineSort = 'status';
  /** Sort order; default ascending for name and status, newest first for dates. */
  @property({ reflect: true }) order: 'asc' | 'desc' = 'asc';
  /** Machines a page, at most 100. */
  @property({ attribute: 'page-size', type: Number }) pageSize = 100;

  @state() private rows: Machine[] = [];
  @state() private loadedSummary: FleetSummary | null = null;
  @state() private loadedTotal = 0;
  @state() private loadedNext: string | null = null;
  @state() private loadStatus: 'idle' | 'loading' | 'ready' | 'error' = 'idle';
  @state() private loadError: string | null = null;
  @state() private focusIndex = 0;
  /** A row has focus (tracked by events, as `:focus` does not match while the window is in the background). */
  @state() private rowFocused = false;
  /** Which page the rows on screen are (0 = first); the range says it until the next page arrives. */
  @state() private shownPage = 0;
  /** Cursors of the pages before the one shown (the first page's is null). */
  @state() private pageCursors: (string | null)[] = [];
  @state() private cursor: string | null = null;
  private loadSeq = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;
  private summaryReadAt = 0;
  private focusAfterRender = false;

  private get own(): boolean {
    return this.machines === null;
  }

  /** The query of the page on screen. */
  get query(): FleetQueryDetail {
    return { status: this.status, q: this.q, sort: this.sort, order: this.order, cursor: this.cursor, limit: this.limit };
  }

  private get limit(): number {
    return Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(this.pageSize) || MAX_PAGE_SIZE));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && this.own && this.loadStatus !== 'ready') void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    Object.assign(this.hub, { socketUrl: this.socketUrl, socket: this.socket });
    if (changed.has('machines') && this.machines) {
      this.rows = this.machines;
      this.shownPage = this.pageCursors.length;
      this.loadStatus = 'ready';
      this.clampFocus();
    }
    if (changed.has('socketUrl') || changed.has('socket')) {
      this.hub.unwatchAll();
      if (this.socketUrl || this.socket) this.hub.watchFleet();
    }
    const queryChanged = ['status', 'q', 'sort', 'order', 'pageSize', 'apiBase'].some((k) => changed.has(k as keyof BtFleetOverview));
    if (queryChanged && this.hasUpdated) {
      this.cursor = null;
      this.pageCursors = [];
    }
    if (this.own && (queryChanged || changed.has('machines'))) void this.load();
  }

  /** Reloads the page on screen and the counters from the hub. */
  async reload(): Promise<void> {
    if (this.own) await this.load(true);
  }

  /** Loads the page for the current query; the counters only with `withSummary` (first load, reload). */
  private async load(withSummary = this.loadStatus === 'idle'): Promise<void> {
    const seq = ++this.loadSeq;
    const { status, q, sort, order, cursor, limit } = this.query;
    this.loadStatus = 'loading';
    this.loadError = null;
    try {
      const [page] = await Promise.all([
        this.hub.getJson<MachineListResponse>(`/machines${queryString({ status, q, sort, order, limit, cursor })}`),
        withSummary && !this.summary ? this.readSummary() : null,
      ]);
      if (seq !== this.loadSeq) return; // a newer query owns the table
      this.rows = page.machines;
      this.shownPage = this.pageCursors.length;
      this.loadedTotal = page.total;
      this.loadedNext = page.next_cursor;
      this.loadStatus = 'ready';
      this.clampFocus();
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.loadStatus = this.hub.aborted ? 'idle' : 'error';
      this.loadError = (e as Error).message;
    }
  }

  private async readSummary(): Promise<void> {
    this.summaryReadAt = Date.now();
    try {
      this.loadedSummary = await this.hub.getJson<FleetSummary>('/fleet/summary');
    } catch {
      /* counters keep their last values; the next change retries */
    }
  }

  /** Re-reads the counters soon, at most once every SUMMARY_REFRESH_MS. */
  private scheduleSummary(): void {
    if (!this.own || this.summary || this.summaryTimer !== undefined || !this.isConnected) return;
    const wait = Math.max(0, this.summaryReadAt + SUMMARY_REFRESH_MS - Date.now());
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined;
      void this.readSummary();
    }, wait);
  }

  protected override onMachinePush(event: string, payload: MachineUpdateEvent | MachineProtectionEvent): void {
    this.receive(event, payload);
  }

  /**
   * Applies one fleet push to the row of its VM, if that row is on screen (others are ignored). The
   * socket calls it; a host with its own socket layer may call it with the same names and payloads.
   */
  receive(event: string, payload: MachineUpdateEvent | MachineProtectionEvent): void {
    const i = this.rows.findIndex((m) => m.vm_name === payload?.vm_name);
    const before = i >= 0 ? this.rows[i].protection.status : null;
    if (event === SERVER_EVENTS.machineUpdate) {
      if (i >= 0) this.replaceRow(i, applyMachineUpdate(this.rows[i], payload as MachineUpdateEvent, new Date().toISOString()));
      if (before !== (payload as MachineUpdateEvent).protection?.status) this.scheduleSummary();
    } else if (event === SERVER_EVENTS.machineAtRisk || event === SERVER_EVENTS.machineProtected) {
      if (i >= 0) this.replaceRow(i, applyProtectionEvent(this.rows[i], payload as MachineProtectionEvent));
      this.scheduleSummary();
    }
  }

  private replaceRow(i: number, machine: Machine): void {
    const rows = this.rows.slice();
    rows[i] = machine;
    this.rows = rows;
  }

  private clampFocus(): void {
    this.focusIndex = Math.max(0, Math.min(this.focusIndex, this.rows.length - 1));
  }

  // ---- user actions --------------------------------------------------------------------------

  private changed(): void {
    this.dispatchEvent(new CustomEvent<FleetQueryDetail>('fleet-query', { detail: this.query, bubbles: true, composed: true }));
  }

  private filterBy(status: ProtectionStatus | null): void {
    this.status = this.status === status ? null : status;
    this.focusIndex = 0;
    void this.updateComplete.then(() => this.changed());
  }

  private onSearch(e: InputEvent): void {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => {
      if (value === this.q) return;
      this.q = value;
      this.focusIndex = 0;
      void this.updateComplete.then(() => this.changed());
    }, SEARCH_DEBOUNCE_MS);
  }

  private sortBy(sort: MachineSort): void {
    if (this.sort === sort) this.order = this.order === 'asc' ? 'desc' : 'asc';
    else {
      this.sort = sort;
      this.order = defaultOrder(sort);
    }
    void this.updateComplete.then(() => this.changed());
  }

  private page(step: 1 | -1): void {
    if (step === 1) {
      const next = this.own ? this.loadedNext : this.nextCursor;
      if (!next) return;
      this.pageCursors = [...this.pageCursors, this.cursor];
      this.cursor = next;
    } else {
      if (this.pageCursors.length === 0) return;
      this.cursor = this.pageCursors[this.pageCursors.length - 1];
      this.pageCursors = this.pageCursors.slice(0, -1);
    }
    this.focusIndex = 0;
    if (this.own) void this.load();
    this.changed();
  }

  private select(machine: Machine, index: number): void {
    this.focusIndex = index;
    this.dispatchEvent(new CustomEvent<MachineSelectDetail>('machine-select', { detail: { vm_name: machine.vm_name }, bubbles: true, composed: true }));
  }

  private onRowKey(e: KeyboardEvent, machine: Machine, index: number): void {
    const last = this.rows.length - 1;
    const to = { ArrowDown: Math.min(last, index + 1), ArrowUp: Math.max(0, index - 1), Home: 0, End: last }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      this.focusIndex = to;
      this.focusAfterRender = true;
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.select(machine, index);
    }
  }

  protected override updated(): void {
    if (!this.focusAfterRender) return;
    this.focusAfterRender = false;
    this.renderRoot.querySelector<HTMLElement>(`tr[data-index="${this.focusIndex}"]`)?.focus();
  }

  // ---- rendering -----------------------------------------------------------------------------

  protected override render() {
    return html`${this.counters()}
      <div class="tools">
        <input part="search" type="search" placeholder="Search machines" aria-label="Search machines by name" .value=${this.q} @input=${this.onSearch} />
        ${this.loadStatus === 'loading' && this.rows.length > 0 ? html`<span class="muted" role="status">Loading…</span>` : nothing}
      </div>
      ${this.body()}`;
  }

  private counters() {
    const summary = this.summary ?? this.loadedSummary;
    if (!summary) return nothing;
    const counts = summary.machines.by_protection;
    return html`<div class="counters" part="counters" role="group" aria-label="Filter by protection status">
      <button part="counter" class="counter all" aria-pressed=${this.status === null ? 'true' : 'false'} @click=${() => this.filterBy(null)}>
        <span class="count">${summary.machines.total}</span> <span class="label">All</span>
      </button>
      ${STATUS_ORDER.map((s) => html`<button part="counter" class="counter ${s}" data-status=${s} aria-pressed=${this.status === s ? 'true' : 'false'} @click=${() => this.filterBy(s)}>
        <span class="count">${counts[s] ?? 0}</span> <span class="label"><span class="dot"></span>${STATUS_LABELS[s]}</span>
      </button>`)}
    </div>`;
  }

  private body() {
    if (this.loadStatus === 'error') {
      return html`<div class="state error" part="state" role="alert">Could not load machines: ${this.loadError}
        <button class="bt-button secondary" @click=${() => void this.reload()}>Retry</button></div>`;
    }
    if (this.rows.length === 0) {
      if (this.loadStatus !== 'ready') return html`<div class="state" part="state" role="status">Loading machines…</div>`;
      const filtered = this.status !== null || this.q !== '';
      return html`<div class="state" part="state" role="status">${filtered ? 'No machines match' : 'No machines yet'}</div>`;
    }
    return html`<table part="table">
        <caption class="visually-hidden">Machines and their protection${this.status ? html`, ${STATUS_LABELS[this.status]} only` : nothing}</caption>
        <thead><tr>${COLUMNS.map((c) => this.header(c))}</tr></thead>
        <tbody>${repeat(this.rows, (m) => m.vm_name, (m, i) => this.row(m, i))}</tbody>
      </table>
      ${this.pager()}`;
  }

  private header(column: (typeof COLUMNS)[number]) {
    if (!column.id) return html`<th scope="col">${column.label}</th>`;
    const id = column.id;
    const active = this.sort === id;
    const sort = active ? (this.order === 'asc' ? 'ascending' : 'descending') : nothing;
    return html`<th scope="col" aria-sort=${sort}>
      <button class="sort" data-sort=${id} @click=${() => this.sortBy(id)}>${column.label}<span class="arrow" aria-hidden="true">${active ? (this.order === 'asc' ? '▲' : '▼') : ''}</span></button>
    </th>`;
  }

  private row(machine: Machine, index: number) {
    const p = machine.protection;
    const reasonId = `reason-${index}`;
    return html`<tr part="row" data-vm=${machine.vm_name} data-index=${index} tabindex=${index === this.focusIndex ? 0 : -1}
        aria-describedby=${reasonId} @click=${() => this.select(machine, index)} @keydown=${(e: KeyboardEvent) => this.onRowKey(e, machine, index)}
        ?data-focused=${this.rowFocused && index === this.focusIndex}
        @focus=${() => { this.focusIndex = index; this.rowFocused = true; }} @blur=${() => (this.rowFocused = false)}>
      <td class="name">${untrustedText(machine.vm_name)}</td>
      <td class="protection">
        <span class="chip ${p.status}" part="chip" data-field="status"><span class="dot"></span>${STATUS_LABELS[p.status] ?? capitalize(String(p.status))}</span>
        <span class="reason" part="reason" id=${reasonId} role="tooltip">${untrustedText(p.reason)}</span>
      </td>
      <td>${formatDateTime(p.last_success_at)}</td>
      <td>${formatDateTime(lastBackupAt(machine))}</td>
      <td class="job" data-job-status=${machine.last_job?.status ?? 'none'}>${this.job(machine)}</td>
    </tr>`;
  }

  private job(machine: Machine) {
    const job = machine.last_job;
    if (!job) return html`<span class="muted">Never backed up</span>`;
    if (job.status !== 'running') return html`<span class="job-status ${job.status}" data-field="job-status">${capitalize(job.status)}</span>`;
    const percent = Math.max(0, Math.min(100, job.progress_percent ?? 0));
    return html`<span class="live">
      <span class="bar" role="progressbar" aria-label="Backup progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${percent.toFixed(1)}>
        <span style=${styleMap({ width: `${percent}%` })}></span>
      </span>
      <span data-field="percent">${formatPercent(percent)}</span>
      <span class="muted" data-field="speed">${formatMibps(bpsToMibps(job.transfer_speed_bps ?? 0))}</span>
      ${job.current_phase ? html`<span class="muted phase">${untrustedText(job.current_phase)}</span>` : nothing}
    </span>`;
  }

  private pager() {
    const total = this.own ? this.loadedTotal : (this.total ?? this.rows.length);
    const next = this.own ? this.loadedNext : this.nextCursor;
    const first = this.shownPage * this.limit + 1;
    const lastShown = first + this.rows.length - 1;
    if (this.pageCursors.length === 0 && !next) return html`<div class="pager" part="pager"><span class="muted">${total} machine${total === 1 ? '' : 's'}</span></div>`;
    return html`<nav class="pager" part="pager" aria-label="Pages">
      <span class="muted" data-field="range">${first}–${lastShown} of ${total}</span>
      <button class="bt-button secondary" data-page="previous" ?disabled=${this.pageCursors.length === 0} @click=${() => this.page(-1)}>Previous</button>
      <button class="bt-button secondary" data-page="next" ?disabled=${!next} @click=${() => this.page(1)}>Next</button>
    </nav>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-fleet-overview': BtFleetOverview;
  }
}
