import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import {
  SERVER_EVENTS,
  type CalendarMachine,
  type FleetCalendarResponse,
  type MachineProtectionEvent,
  type MachineSort,
  type MachineUpdateEvent,
  type ProtectionStatus,
} from '@backup-telemetry/contract';
import type { Socket } from 'socket.io-client';
import { capitalize } from '../shared/format.js';
import { HubElement } from '../shared/hub-element.js';
import { untrustedText } from '../shared/job-text.js';
import { queryString } from '../shared/telemetry-controller.js';
import { defaultOrder, STATUS_LABELS, STATUS_ORDER, type FleetQuery } from '../fleet-overview/fleet-rows.js';
import { SEARCH_DEBOUNCE_MS } from '../fleet-overview/fleet-overview.js';
import { cellLabel, moveInGrid, OUTCOME_SYMBOL, OUTCOMES, type GridPosition } from './calendar-cells.js';
import { fleetCalendarStyles } from './fleet-calendar.styles.js';

/** Detail of the `day-select` event. */
export interface DaySelectDetail {
  vm_name: string;
  /** `YYYY-MM-DD` in the calendar's time zone. */
  date: string;
}

/** Detail of the calendar's `fleet-query` event: the page it shows (or, with `calendar`, wants). */
export type CalendarQueryDetail = FleetQuery & { limit: number; days: number; tz: string | null };

/** After a push shows a job on screen ending, the page is re-read at most this often. */
export const CALENDAR_REFRESH_MS = 5000;
const MAX_PAGE_SIZE = 100;
const MAX_DAYS = 90;

/**
 * The fleet by day: one row per machine (its name and protection status), one cell per day (UTC, or `tz`),
 * coloured by that day's outcome and marked with a symbol, its counts in the cell's accessible name
 * and tooltip ("web-01, 2026-11-30: 1 failed of 2"). One page of machines at a time, with Previous /
 * Next from the hub's cursor, the same status filter, search and sort as `<bt-fleet-overview>`.
 * Arrow keys move over the cells (Home/End: row start/end; Ctrl+Home/End: corners); Enter on a
 * name or a click on it fires `machine-select`, on a day `day-select`.
 *
 * With `api-base` it loads `GET /fleet/calendar`; with `socket-url` or `socket` it keeps the status
 * chips live and re-reads the page when a job of a machine on screen starts or ends. Or pass `calendar` (one
 * page) as a property: the element then fetches nothing and fires `fleet-query` on a change.
 *
 * @tag bt-fleet-calendar
 * @fires machine-select - A machine's name was chosen (click or Enter); `detail: { vm_name }`.
 * @fires day-select - A day of a machine was chosen (click or Enter); `detail: { vm_name, date }`.
 * @fires fleet-query - The filter, search, page or days changed; `detail: { status, q, sort, order, cursor, limit, days, tz }`.
 * @csspart search - The search box.
 * @csspart status-filter - The protection status select.
 * @csspart legend - The legend of outcomes.
 * @csspart grid - The table of machines by day.
 * @csspart row - Each machine row.
 * @csspart chip - A machine's protection status.
 * @csspart cell - Each day cell (`data-outcome` says which).
 * @csspart pager - The paging bar.
 * @csspart state - The loading / empty / error message.
 * @cssprop --bt-success - Days that succeeded.
 * @cssprop --bt-error - Days that failed.
 * @cssprop --bt-warning - Days with failures and successes, cancelled days.
 * @cssprop --bt-accent - Running days, focus ring.
 */
@customElement('bt-fleet-calendar')
export class BtFleetCalendar extends HubElement {
  static override styles = fleetCalendarStyles;

  /** Hub URL for live updates (the `/telemetry` namespace is appended). */
  @property({ attribute: 'socket-url' }) socketUrl: string | null = null;
  /** An existing socket.io-client Socket on the hub's `/telemetry` namespace. */
  @property({ attribute: false }) socket: Socket | null = null;
  /** One page to show without fetching (`GET /fleet/calendar`'s answer). */
  @property({ attribute: false }) calendar: FleetCalendarResponse | null = null;
  /** Show only machines of this protection status. */
  @property({ reflect: true }) status: ProtectionStatus | null = null;
  /** Name search (a substring, case-insensitive). */
  @property() q = '';
  /** Sort key (`name`, `status`, `last_success`, `last_backup`). */
  @property({ reflect: true }) sort: MachineSort = 'status';
  /** Sort order; default ascending for name and status, newest first for dates. */
  @property({ reflect: true }) order: 'asc' | 'desc' = 'asc';
  /** Machines a page, at most 100. */
  @property({ attribute: 'page-size', type: Number }) pageSize = 50;
  /** Days shown, today last: 1 to 90. */
  @property({ type: Number }) days = 30;
  /** IANA time zone of the days (`Europe/Berlin`); unset: UTC, the hub's default. */
  @property() tz: string | null = null;

  @state() private loaded: FleetCalendarResponse | null = null;
  @state() private loadStatus: 'idle' | 'loading' | 'ready' | 'error' = 'idle';
  @state() private loadError: string | null = null;
  @state() private focusAt: GridPosition = { row: 0, col: 0 };
  @state() private shownPage = 0;
  @state() private pageCursors: (string | null)[] = [];
  @state() private cursor: string | null = null;
  private loadSeq = 0;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private focusAfterRender = false;

  private get own(): boolean {
    return this.calendar === null;
  }

  private get page(): FleetCalendarResponse | null {
    return this.calendar ?? this.loaded;
  }

  private get limit(): number {
    return Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(this.pageSize) || MAX_PAGE_SIZE));
  }

  private get dayCount(): number {
    return Math.max(1, Math.min(MAX_DAYS, Math.floor(this.days) || 30));
  }

  /** The query of the page on screen. */
  get query(): CalendarQueryDetail {
    return { status: this.status, q: this.q, sort: this.sort, order: this.order, cursor: this.cursor, limit: this.limit, days: this.dayCount, tz: this.tz || null };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && this.own && this.loadStatus !== 'ready') void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    Object.assign(this.hub, { socketUrl: this.socketUrl, socket: this.socket });
    if (changed.has('calendar') && this.calendar) {
      this.shownPage = this.pageCursors.length;
      this.loadStatus = 'ready';
      this.clampFocus();
    }
    if (changed.has('socketUrl') || changed.has('socket')) {
      this.hub.unwatchAll();
      if (this.socketUrl || this.socket) this.hub.watchFleet();
    }
    const queryChanged = ['status', 'q', 'sort', 'order', 'pageSize', 'days', 'tz', 'apiBase'].some((k) => changed.has(k as keyof BtFleetCalendar));
    if (queryChanged && this.hasUpdated) {
      this.cursor = null;
      this.pageCursors = [];
    }
    if (this.own && (queryChanged || changed.has('calendar'))) void this.load();
  }

  /** Reloads the page on screen from the hub. */
  async reload(): Promise<void> {
    if (this.own) await this.load();
  }

  private async load(): Promise<void> {
    const seq = ++this.loadSeq;
    const { status, q, sort, order, cursor, limit, days, tz } = this.query;
    this.loadStatus = 'loading';
    this.loadError = null;
    try {
      const page = await this.hub.getJson<FleetCalendarResponse>(`/fleet/calendar${queryString({ days, tz, status, q, sort, order, limit, cursor })}`);
      if (seq !== this.loadSeq) return; // a newer query owns the grid
      this.loaded = page;
      this.shownPage = this.pageCursors.length;
      this.loadStatus = 'ready';
      this.clampFocus();
    } catch (e) {
      if (seq !== this.loadSeq) return;
      this.loadStatus = this.hub.aborted ? 'idle' : 'error';
      this.loadError = (e as Error).message;
    }
  }

  protected override onMachinePush(event: string, payload: MachineUpdateEvent | MachineProtectionEvent): void {
    this.receive(event, payload);
  }

  /** Applies one fleet push to the row of its VM, if on screen: its status chip, and a re-read of the page when its job ended. */
  receive(event: string, payload: MachineUpdateEvent | MachineProtectionEvent): void {
    const page = this.page;
    const i = page?.machines.findIndex((m) => m.vm_name === payload?.vm_name) ?? -1;
    if (!page || i < 0) return;
    if (event !== SERVER_EVENTS.machineUpdate && event !== SERVER_EVENTS.machineAtRisk && event !== SERVER_EVENTS.machineProtected) return;
    const { status, reason } = payload.protection;
    const machines = page.machines.slice();
    machines[i] = { ...machines[i], protection: { status, reason } };
    if (this.own) this.loaded = { ...page, machines };
    if (event === SERVER_EVENTS.machineUpdate && this.changesCells(machines[i], (payload as MachineUpdateEvent).last_job?.status)) this.scheduleRefresh();
  }

  /** Whether a pushed job status is news to the row's cells: a job ended, or one runs that today's cell does not count. */
  private changesCells(machine: CalendarMachine, status: string | undefined): boolean {
    if (status === 'completed' || status === 'failed' || status === 'cancelled') return true;
    const today = machine.cells[machine.cells.length - 1];
    return (status === 'running' || status === 'pending') && (today?.running ?? 0) === 0;
  }

  private scheduleRefresh(): void {
    if (!this.own || this.refreshTimer !== undefined || !this.isConnected) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.load();
    }, CALENDAR_REFRESH_MS);
  }

  private clampFocus(): void {
    const rows = this.page?.machines.length ?? 0;
    const cols = (this.page?.days.length ?? 0) + 1;
    this.focusAt = { row: Math.max(0, Math.min(this.focusAt.row, rows - 1)), col: Math.max(0, Math.min(this.focusAt.col, cols - 1)) };
  }

  // ---- user actions --------------------------------------------------------------------------

  private changed(): void {
    this.dispatchEvent(new CustomEvent<CalendarQueryDetail>('fleet-query', { detail: this.query, bubbles: true, composed: true }));
  }

  private onStatus(e: Event): void {
    const value = (e.target as HTMLSelectElement).value;
    this.status = value === '' ? null : (value as ProtectionStatus);
    this.focusAt = { row: 0, col: 0 };
    void this.updateComplete.then(() => this.changed());
  }

  private onSearch(e: InputEvent): void {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => {
      if (value === this.q) return;
      this.q = value;
      this.focusAt = { row: 0, col: 0 };
      void this.updateComplete.then(() => this.changed());
    }, SEARCH_DEBOUNCE_MS);
  }

  private onSort(e: Event): void {
    this.sort = (e.target as HTMLSelectElement).value as MachineSort;
    this.order = defaultOrder(this.sort);
    void this.updateComplete.then(() => this.changed());
  }

  private turn(step: 1 | -1): void {
    if (step === 1) {
      const next = this.page?.next_cursor;
      if (!next) return;
      this.pageCursors = [...this.pageCursors, this.cursor];
      this.cursor = next;
    } else {
      if (this.pageCursors.length === 0) return;
      this.cursor = this.pageCursors[this.pageCursors.length - 1];
      this.pageCursors = this.pageCursors.slice(0, -1);
    }
    this.focusAt = { row: 0, col: this.focusAt.col };
    if (this.own) void this.load();
    this.changed();
  }

  private choose(machine: CalendarMachine, row: number, col: number): void {
    this.focusAt = { row, col };
    if (col === 0) {
      this.dispatchEvent(new CustomEvent('machine-select', { detail: { vm_name: machine.vm_name }, bubbles: true, composed: true }));
      return;
    }
    const date = this.page!.days[col - 1];
    this.dispatchEvent(new CustomEvent<DaySelectDetail>('day-select', { detail: { vm_name: machine.vm_name, date }, bubbles: true, composed: true }));
  }

  private onKey(e: KeyboardEvent, machine: CalendarMachine, row: number, col: number): void {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.choose(machine, row, col);
      return;
    }
    const page = this.page!;
    const to = moveInGrid({ row, col }, e.key, e.ctrlKey, page.machines.length, page.days.length + 1);
    if (!to) return;
    e.preventDefault();
    this.focusAt = to;
    this.focusAfterRender = true;
  }

  protected override updated(): void {
    if (!this.focusAfterRender) return;
    this.focusAfterRender = false;
    this.renderRoot.querySelector<HTMLElement>(`[data-row="${this.focusAt.row}"][data-col="${this.focusAt.col}"]`)?.focus();
  }

  // ---- rendering -----------------------------------------------------------------------------

  protected override render() {
    return html`<div class="tools">
        <input part="search" type="search" placeholder="Search machines" aria-label="Search machines by name" .value=${this.q} @input=${this.onSearch} />
        <select part="status-filter" aria-label="Protection status" @change=${this.onStatus}>
          <option value="" ?selected=${this.status === null}>All statuses</option>
          ${STATUS_ORDER.map((s) => html`<option value=${s} ?selected=${this.status === s}>${STATUS_LABELS[s]}</option>`)}
        </select>
        <select aria-label="Sort by" @change=${this.onSort}>
          ${(['status', 'name', 'last_success', 'last_backup'] as const).map((s) => html`<option value=${s} ?selected=${this.sort === s}>${SORT_LABELS[s]}</option>`)}
        </select>
        ${this.loadStatus === 'loading' && this.page ? html`<span class="muted" role="status">Loading…</span>` : nothing}
      </div>
      ${this.legend()}
      ${this.body()}`;
  }

  private legend() {
    return html`<ul class="legend" part="legend" aria-label="Legend">
      ${OUTCOMES.map((o) => html`<li><span class="cell-swatch" data-outcome=${o.outcome} aria-hidden="true">${o.symbol}</span>${o.label}</li>`)}
    </ul>`;
  }

  private body() {
    if (this.loadStatus === 'error') {
      return html`<div class="state error" part="state" role="alert">Could not load the calendar: ${this.loadError}
        <button class="bt-button secondary" @click=${() => void this.reload()}>Retry</button></div>`;
    }
    const page = this.page;
    if (!page || page.machines.length === 0) {
      if (this.loadStatus !== 'ready') return html`<div class="state" part="state" role="status">Loading machines…</div>`;
      return html`<div class="state" part="state" role="status">${this.status !== null || this.q !== '' ? 'No machines match' : 'No machines yet'}</div>`;
    }
    return html`<div class="scroll"><table part="grid" role="grid" aria-label=${`Backups per machine and day (${page.tz ?? 'UTC'})`} aria-rowcount=${page.total + 1}>
        <thead><tr>
          <th scope="col" class="name-col">Machine</th>
          ${page.days.map((d, i) => dayHeader(d, i))}
        </tr></thead>
        <tbody>${repeat(page.machines, (m) => m.vm_name, (m, i) => this.row(m, i))}</tbody>
      </table></div>
      ${this.pager(page)}`;
  }

  private tabindex(row: number, col: number): number {
    return row === this.focusAt.row && col === this.focusAt.col ? 0 : -1;
  }

  private row(machine: CalendarMachine, row: number) {
    const p = machine.protection;
    return html`<tr part="row" data-vm=${machine.vm_name} aria-rowindex=${this.shownPage * this.limit + row + 2}>
      <th scope="row" class="name" data-row=${row} data-col="0" tabindex=${this.tabindex(row, 0)} title=${p.reason}
          @click=${() => this.choose(machine, row, 0)} @keydown=${(e: KeyboardEvent) => this.onKey(e, machine, row, 0)}>
        <span class="vm">${untrustedText(machine.vm_name)}</span>
        <span class="chip ${p.status}" part="chip" data-field="status"><span class="dot"></span>${STATUS_LABELS[p.status] ?? capitalize(String(p.status))}</span>
      </th>
      ${machine.cells.map((cell, i) => {
        const label = cellLabel(machine.vm_name, cell);
        return html`<td part="cell" class="cell" data-outcome=${cell.outcome} data-date=${cell.date} data-row=${row} data-col=${i + 1}
            tabindex=${this.tabindex(row, i + 1)} aria-label=${label} title=${label}
            @click=${() => this.choose(machine, row, i + 1)} @keydown=${(e: KeyboardEvent) => this.onKey(e, machine, row, i + 1)}>
          <span aria-hidden="true">${OUTCOME_SYMBOL[cell.outcome] ?? ''}</span>
        </td>`;
      })}
    </tr>`;
  }

  private pager(page: FleetCalendarResponse) {
    const first = this.shownPage * this.limit + 1;
    const last = first + page.machines.length - 1;
    if (this.pageCursors.length === 0 && !page.next_cursor) return html`<div class="pager" part="pager"><span class="muted">${page.total} machine${page.total === 1 ? '' : 's'}</span></div>`;
    return html`<nav class="pager" part="pager" aria-label="Pages">
      <span class="muted" data-field="range">${first}–${last} of ${page.total}</span>
      <button class="bt-button secondary" data-page="previous" ?disabled=${this.pageCursors.length === 0} @click=${() => this.turn(-1)}>Previous</button>
      <button class="bt-button secondary" data-page="next" ?disabled=${!page.next_cursor} @click=${() => this.turn(1)}>Next</button>
    </nav>`;
  }
}

const SORT_LABELS: Record<MachineSort, string> = { status: 'Most urgent first', name: 'Name', last_success: 'Last success', last_backup: 'Last backup' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A day column's header: its day of the month, with the month on the first column and on each 1st. */
function dayHeader(date: string, index: number) {
  const day = Number(date.slice(8, 10));
  const month = index === 0 || day === 1 ? MONTHS[Number(date.slice(5, 7)) - 1] : '';
  return html`<th scope="col" class="day" abbr=${date} title=${date}>
    <span aria-hidden="true">${month ? html`<span class="month">${month}</span>` : nothing}${day}</span><span class="visually-hidden">${date}</span>
  </th>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'bt-fleet-calendar': BtFleetCalendar;
  }
}
