import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import { SERVER_EVENTS, type MachineUpdateEvent } from '@backup-telemetry/contract';
import type { CalendarCell, CalendarMachine, CalendarOutcome, FleetCalendarResponse, ProtectionStatus } from '@backup-telemetry/contract';
import '../src/index.js';
import type { BtFleetCalendar, CalendarQueryDetail, DaySelectDetail } from '../src/fleet-calendar/fleet-calendar.js';
import { cellLabel, moveInGrid } from '../src/fleet-calendar/calendar-cells.js';
import { deepActiveElement } from '../src/shared/focus.js';
import { stubFetch } from './fixtures.js';
import { $, $$ } from './helpers.js';

const DAYS = ['2026-11-28', '2026-11-29', '2026-11-30'];

function cell(date: string, outcome: CalendarOutcome, counts: Partial<Omit<CalendarCell, 'date' | 'outcome'>> = {}): CalendarCell {
  const c = { completed: 0, failed: 0, cancelled: 0, running: 0, ...counts };
  return { date, outcome, jobs: c.completed + c.failed + c.cancelled + c.running, ...c };
}

function row(vm_name: string, status: ProtectionStatus, outcomes: [CalendarOutcome, Partial<CalendarCell>][]): CalendarMachine {
  return { vm_name, protection: { status, reason: `${vm_name} reason` }, cells: outcomes.map(([o, c], i) => cell(DAYS[i]!, o, c)) };
}

function page(overrides: Partial<FleetCalendarResponse> = {}): FleetCalendarResponse {
  return {
    days: DAYS,
    tz: 'UTC',
    machines: [
      row('db-01', 'at_risk', [['failed', { failed: 1 }], ['none', {}], ['cancelled', { cancelled: 1 }]]),
      row('web-01', 'protected', [['success', { completed: 1 }], ['mixed', { completed: 1, failed: 1 }], ['running', { running: 1 }]]),
    ],
    next_cursor: null,
    total: 2,
    ...overrides,
  };
}

async function withProperties(calendar = page()) {
  const el = await fixture<BtFleetCalendar>(html`<bt-fleet-calendar .calendar=${calendar}></bt-fleet-calendar>`);
  await el.updateComplete;
  return el;
}

const cellOf = (el: BtFleetCalendar, vm: string, date: string) => $(el, `tr[data-vm="${CSS.escape(vm)}"] td[data-date="${date}"]`);
const focused = () => deepActiveElement() as HTMLElement | null;

describe('bt-fleet-calendar with data as properties', () => {
  it('shows one row per machine with its status chip and one cell per day, each outcome its own colour, symbol and accessible name', async () => {
    const el = await withProperties();
    expect($$(el, 'tbody tr').map((tr) => tr.dataset.vm)).to.deep.equal(['db-01', 'web-01']);
    expect($$(el, 'thead th').length).to.equal(1 + DAYS.length);
    expect($(el, 'tr[data-vm="db-01"] [part=chip]').textContent!.trim()).to.equal('At risk');
    const web = DAYS.map((d) => cellOf(el, 'web-01', d));
    expect(web.map((c) => c.dataset.outcome)).to.deep.equal(['success', 'mixed', 'running']);
    expect(web.map((c) => c.getAttribute('aria-label'))).to.deep.equal([
      'web-01, 2026-11-28: 1 completed of 1', 'web-01, 2026-11-29: 1 failed, 1 completed of 2', 'web-01, 2026-11-30: 1 running of 1',
    ]);
    expect(cellOf(el, 'db-01', DAYS[1]!).getAttribute('aria-label')).to.equal('db-01, 2026-11-29: no backup');
    // Told apart without colour: each outcome with jobs has its own symbol.
    const symbols = [...web, cellOf(el, 'db-01', DAYS[0]!), cellOf(el, 'db-01', DAYS[2]!)].map((c) => c.textContent!.trim());
    expect(new Set(symbols).size).to.equal(5);
    // And by colour: the success, failure and none backgrounds differ.
    const bg = (c: HTMLElement) => getComputedStyle(c).backgroundColor;
    expect(new Set([bg(web[0]!), bg(cellOf(el, 'db-01', DAYS[0]!)), bg(cellOf(el, 'db-01', DAYS[1]!))]).size).to.equal(3);
    expect($$(el, '[part=legend] li').map((li) => li.textContent!.trim())).to.deep.equal(['✓Succeeded', '±Failed and succeeded', '✕Failed', '–Cancelled', '▸Running', 'No backup']);
    expect($(el, '[part=pager]').textContent!.trim()).to.equal('2 machines');
  });

  it('moves over the cells with the arrow keys, one cell in the tab order, and Enter fires day-select or machine-select', async () => {
    const el = await withProperties();
    const tabbable = () => $$(el, '[tabindex="0"]');
    expect(tabbable().length).to.equal(1);
    tabbable()[0]!.focus();
    expect(focused()?.textContent).to.include('db-01');
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowRight' });
    await sendKeys({ press: 'ArrowDown' });
    expect(focused()?.getAttribute('aria-label')).to.equal('web-01, 2026-11-29: 1 failed, 1 completed of 2');
    expect(tabbable()).to.deep.equal([focused()]);
    setTimeout(() => void sendKeys({ press: 'Enter' }));
    const day = (await oneEvent(el, 'day-select')) as CustomEvent<DaySelectDetail>;
    expect(day.detail).to.deep.equal({ vm_name: 'web-01', date: '2026-11-29' });
    await sendKeys({ press: 'End' });
    expect(focused()?.dataset.date).to.equal('2026-11-30');
    await sendKeys({ press: 'Home' });
    setTimeout(() => void sendKeys({ press: 'Enter' }));
    const machine = (await oneEvent(el, 'machine-select')) as CustomEvent<{ vm_name: string }>;
    expect(machine.detail).to.deep.equal({ vm_name: 'web-01' });
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'ArrowLeft' });
    expect(focused()?.dataset.row).to.equal('0');
    expect(focused()?.dataset.col).to.equal('0');
  });

  it('fires day-select on a click of a cell and machine-select on a click of a name', async () => {
    const el = await withProperties();
    setTimeout(() => cellOf(el, 'db-01', DAYS[2]!).click());
    expect(((await oneEvent(el, 'day-select')) as CustomEvent).detail).to.deep.equal({ vm_name: 'db-01', date: DAYS[2] });
    setTimeout(() => $(el, 'tr[data-vm="web-01"] th').click());
    expect(((await oneEvent(el, 'machine-select')) as CustomEvent).detail).to.deep.equal({ vm_name: 'web-01' });
  });

  it('shows a VM name and reason that hold markup as text', async () => {
    const evil = '<img src=x onerror="window.__pwned=1">';
    const el = await withProperties(page({ machines: [{ ...row(evil, 'warning', [['failed', { failed: 1 }], ['none', {}], ['none', {}]]), protection: { status: 'warning', reason: evil } }], total: 1 }));
    expect($$(el, 'img').length).to.equal(0);
    expect($(el, 'th.name .vm').textContent).to.equal(evil);
    expect($(el, 'th.name').getAttribute('title')).to.equal(evil);
    expect($(el, 'td.cell').getAttribute('aria-label')).to.equal(`${evil}, 2026-11-28: 1 failed of 1`);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('asks for the next page with the host\'s cursor, and for the one before again on Previous', async () => {
    const el = await withProperties(page({ next_cursor: 'c-2', total: 4 }));
    el.pageSize = 2;
    await el.updateComplete;
    expect($(el, '[data-field=range]').textContent).to.equal('1–2 of 4');
    setTimeout(() => $(el, 'button[data-page=next]').click());
    const next = (await oneEvent(el, 'fleet-query')) as CustomEvent<CalendarQueryDetail>;
    expect(next.detail).to.include({ cursor: 'c-2', limit: 2, days: 30, sort: 'status', tz: null });
    el.calendar = page({ machines: [row('web-02', 'protected', [['none', {}], ['none', {}], ['none', {}]])], next_cursor: null, total: 4 });
    await el.updateComplete;
    expect($(el, '[data-field=range]').textContent).to.equal('3–3 of 4');
    setTimeout(() => $(el, 'button[data-page=previous]').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<CalendarQueryDetail>).detail.cursor).to.equal(null);
  });
});

describe('bt-fleet-calendar live', () => {
  // Pushes go through receive(), the method the socket calls: the socket hub's fleet room is shared with
  // fleet-overview.test.ts, which counts its members (the subscription itself is the shared controller's).
  it('updates a status chip from a push at once, ignores other VMs, and re-reads the page once after a job on screen ended', async () => {
    let reads = 0;
    const after = page();
    after.machines[1] = row('web-01', 'warning', [['success', { completed: 1 }], ['mixed', { completed: 1, failed: 1 }], ['failed', { failed: 1 }]]);
    const fetches = stubFetch({ '/api/v1/fleet/calendar': () => (++reads === 1 ? page() : after) });
    try {
      const el = await fixture<BtFleetCalendar>(html`<bt-fleet-calendar></bt-fleet-calendar>`);
      await waitUntil(() => $$(el, 'tbody tr').length === 2, 'rows shown');
      const ended: MachineUpdateEvent = {
        vm_name: 'web-01',
        protection: { status: 'warning', reason: 'Within RPO 24 h, but the last attempt failed' },
        last_job: { backup_id: 'run-1', status: 'failed', progress_percent: 40, transfer_speed_bps: 0, current_phase: null },
      };
      el.receive(SERVER_EVENTS.machineUpdate, { ...ended, vm_name: 'elsewhere' });
      el.receive(SERVER_EVENTS.machineUpdate, ended);
      await el.updateComplete;
      expect($(el, 'tr[data-vm="web-01"] [part=chip]').textContent!.trim()).to.equal('Warning');
      expect($(el, 'tr[data-vm="web-01"] th').getAttribute('title')).to.equal(ended.protection.reason);
      expect(reads, 'the page is not re-read at once').to.equal(1);
      el.receive(SERVER_EVENTS.machineUpdate, ended);
      await waitUntil(() => cellOf(el, 'web-01', DAYS[2]!).dataset.outcome === 'failed', 'page re-read', { timeout: 8000 });
      expect(reads, 'one re-read for both pushes').to.equal(2);
    } finally {
      fetches.restore();
    }
  });
});

describe('calendar cells (pure)', () => {
  it('says every count in a cell\'s name, and moves within the grid\'s edges', () => {
    expect(cellLabel('web-01', cell('2026-11-30', 'failed', { failed: 1, completed: 0, cancelled: 1 }))).to.equal('web-01, 2026-11-30: 1 failed, 1 cancelled of 2');
    expect(moveInGrid({ row: 0, col: 0 }, 'ArrowLeft', false, 3, 4)).to.deep.equal({ row: 0, col: 0 });
    expect(moveInGrid({ row: 1, col: 1 }, 'End', true, 3, 4)).to.deep.equal({ row: 2, col: 3 });
    expect(moveInGrid({ row: 1, col: 1 }, 'a', false, 3, 4)).to.equal(null);
  });
});

describe('bt-fleet-calendar against the real hub', () => {
  const API = '/real-hub/api/v1';
  /** The names of the hub's 250 VMs (seeded at start over two days 26 h apart, see real-hub-plugin.mjs). */
  const fleet = () => executeServerCommand('real-hub-fleet') as Promise<string[]>;
  const outcomes = (el: BtFleetCalendar, vm: string) =>
    $$(el, `tr[data-vm="${CSS.escape(vm)}"] td.cell`).map((c) => c.dataset.outcome).filter((o) => o !== 'none');

  it('walks 250 VMs a page at a time with the cursor, each VM\'s days as the hub recorded them', async () => {
    const names = await fleet();
    // q: other files add VMs of their own (live-0000) to the same hub.
    const el = await fixture<BtFleetCalendar>(html`<bt-fleet-calendar api-base=${API} sort="name" page-size="100" days="7" q="fleet-"></bt-fleet-calendar>`);
    await waitUntil(() => $(el, '[data-field=range]')?.textContent === '1–100 of 250', 'first page', { timeout: 10_000 });
    expect($$(el, 'thead th.day').length).to.equal(7);
    // fleet-0000 failed on the first day; fleet-0002 succeeded, then failed and succeeded on the second (see the seed).
    expect(outcomes(el, 'fleet-0000')[0]).to.equal('failed');
    expect(outcomes(el, 'fleet-0002').slice(0, 2)).to.deep.equal(['success', 'mixed']);
    expect(outcomes(el, 'fleet-0004').slice(0, 1)).to.deep.equal(['success']);
    const seen = $$(el, 'tbody tr').map((tr) => tr.dataset.vm!);
    for (const expected of ['101–200 of 250', '201–250 of 250']) {
      $(el, 'button[data-page=next]').click();
      await waitUntil(() => $(el, '[data-field=range]')?.textContent === expected, expected, { timeout: 10_000 });
      expect($$(el, 'tbody tr').length).to.be.at.most(100);
      seen.push(...$$(el, 'tbody tr').map((tr) => tr.dataset.vm!));
    }
    expect(seen).to.deep.equal([...names].sort());

    $<HTMLInputElement>(el, 'input[type=search]').focus();
    $<HTMLInputElement>(el, 'input[type=search]').select();
    await sendKeys({ type: 'fleet-024' });
    await waitUntil(() => $(el, '[part=pager]')?.textContent?.trim() === '10 machines', 'search applied on the first page', { timeout: 5000 });
    const select = $<HTMLSelectElement>(el, 'select[part=status-filter]');
    select.value = 'warning';
    select.dispatchEvent(new Event('change'));
    await waitUntil(() => $(el, '[part=pager]')?.textContent?.trim() === '2 machines', 'warning and -024 only', { timeout: 5000 });
    expect($$(el, '[part=chip]').map((c) => c.textContent!.trim())).to.deep.equal(['Warning', 'Warning']);
  });

  it('asks for the days of its time zone', async () => {
    await fleet();
    const el = await fixture<BtFleetCalendar>(html`<bt-fleet-calendar api-base=${API} tz="Pacific/Kiritimati" days="2" q="fleet-0001"></bt-fleet-calendar>`);
    await waitUntil(() => $(el, '[part=grid]'), 'grid', { timeout: 10_000 });
    expect($(el, '[part=grid]').getAttribute('aria-label')).to.equal('Backups per machine and day (Pacific/Kiritimati)');
    const answer = (await (await fetch(`${API}/fleet/calendar?days=2&tz=Pacific%2FKiritimati&q=fleet-0001`)).json()) as FleetCalendarResponse;
    expect($$(el, 'td.cell').slice(0, 2).map((c) => c.dataset.date)).to.deep.equal(answer.days);
  });
});

