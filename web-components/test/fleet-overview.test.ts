import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { executeServerCommand, resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import { SERVER_EVENTS, rooms, type FleetSummary, type MachineUpdateEvent } from '@backup-telemetry/contract';
import '../src/index.js';
import type { BtFleetOverview, FleetQueryDetail, MachineSelectDetail } from '../src/fleet-overview/fleet-overview.js';
import { applyMachineUpdate } from '../src/fleet-overview/fleet-rows.js';
import { deepActiveElement } from '../src/shared/focus.js';
import { job, stubFetch } from './fixtures.js';
import { fleetMachine, fleetSummary, pagedMachines } from './fleet-fixtures.js';
import { $, $$ } from './helpers.js';

const hub = {
  url: () => executeServerCommand('hub-url') as Promise<string>,
  push: (room: string, event: string, payload: object) => executeServerCommand('hub-push', { room, event, payload }) as Promise<number>,
  roomSize: (room: string) => executeServerCommand('hub-room-size', { room }) as Promise<number>,
};

const rowNames = (el: BtFleetOverview) => $$(el, 'tbody tr').map((tr) => tr.querySelector('td.name')!.textContent);
const chipOf = (el: BtFleetOverview, vm: string) => el.shadowRoot!.querySelector(`tr[data-vm="${CSS.escape(vm)}"] [part=chip]`)!.textContent!.trim();
const focusedRow = () => (deepActiveElement() as HTMLElement | null)?.dataset.vm;

function smallFleet() {
  return [
    fleetMachine('db-01', 'at_risk'),
    fleetMachine('web-01', 'protected', {
      last_job: job({ vm_name: 'web-01', status: 'running', progress_percent: 42, transfer_speed_bps: 182.4 * 1048576, current_phase: 'transferring' }),
    }),
    fleetMachine('mail-01', 'warning'),
    fleetMachine('new-01', 'pending', { last_job: null }),
  ];
}

async function withProperties(machines = smallFleet()) {
  const summary = fleetSummary({ at_risk: 1, warning: 1, pending: 1, protected: 1 });
  const el = await fixture<BtFleetOverview>(html`<bt-fleet-overview .machines=${machines} .summary=${summary}></bt-fleet-overview>`);
  await el.updateComplete;
  return el;
}

describe('bt-fleet-overview with data as properties', () => {
  it('shows each machine with its status as text, its last success and backup, and a running job\'s percent and speed', async () => {
    const el = await withProperties();
    expect(rowNames(el)).to.deep.equal(['db-01', 'web-01', 'mail-01', 'new-01']);
    expect(chipOf(el, 'db-01')).to.equal('At risk');
    expect(chipOf(el, 'mail-01')).to.equal('Warning');
    expect(chipOf(el, 'new-01')).to.equal('Pending');
    const web = $(el, 'tr[data-vm="web-01"]');
    expect(web.querySelector('[data-field=percent]')!.textContent).to.equal('42%');
    expect(web.querySelector('[data-field=speed]')!.textContent).to.equal('182.4 MiB/s');
    expect(web.querySelector('[role=progressbar]')!.getAttribute('aria-valuenow')).to.equal('42.0');
    expect($(el, 'tr[data-vm="new-01"] td.job').textContent!.trim()).to.equal('Never backed up');
    expect($(el, 'tr[data-vm="new-01"]').children[2].textContent).to.equal('—');
    expect($(el, 'table caption').textContent).to.include('Machines and their protection');
    expect($$(el, 'th').map((th) => th.textContent!.trim())).to.deep.equal(['Machine', 'Protection▲', 'Last success', 'Last backup', 'Newest job']);
  });

  it('shows the reason of a status while its row has keyboard focus and while the pointer is on the status, and names it as the row\'s description', async () => {
    const el = await withProperties();
    const row = $(el, 'tr[data-vm="db-01"]');
    const reason = row.querySelector<HTMLElement>('[part=reason]')!;
    expect(reason.textContent).to.equal('No successful backup for 31 h (RPO 24 h); last attempt failed: NBD connection reset by peer');
    expect(row.getAttribute('aria-describedby')).to.equal(reason.id);
    expect(getComputedStyle(reason).visibility).to.equal('hidden');
    // Another test file's page opening beside this one can take the window's focus: bring ours back.
    await waitUntil(async () => {
      await executeServerCommand('focus-page');
      row.blur();
      row.focus();
      await el.updateComplete;
      return getComputedStyle(reason).visibility === 'visible';
    }, 'the reason shows while the row has focus', { timeout: 5000 });
    row.blur();
    await el.updateComplete;
    expect(getComputedStyle(reason).visibility).to.equal('hidden');
    const chip = row.querySelector<HTMLElement>('[part=chip]')!.getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(chip.x + 5), Math.round(chip.y + chip.height / 2)] });
    try {
      expect(getComputedStyle(reason).visibility).to.equal('visible');
    } finally {
      await resetMouse();
    }
  });

  it('filters by a status when its counter is pressed, and shows all again when pressed twice or on All', async () => {
    const el = await withProperties();
    const counter = (s: string) => $(el, s === 'all' ? '.counter.all' : `.counter[data-status=${s}]`);
    expect(counter('at_risk').textContent!.replace(/\s+/g, ' ').trim()).to.equal('1 At risk');
    expect(counter('all').getAttribute('aria-pressed')).to.equal('true');

    setTimeout(() => counter('at_risk').click());
    const asked = (await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>;
    expect(asked.detail).to.include({ status: 'at_risk', cursor: null, sort: 'status', order: 'asc', limit: 100 });
    expect(el.getAttribute('status')).to.equal('at_risk');
    expect(counter('at_risk').getAttribute('aria-pressed')).to.equal('true');
    expect(counter('all').getAttribute('aria-pressed')).to.equal('false');

    setTimeout(() => counter('at_risk').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>).detail.status).to.equal(null);
    counter('warning').click();
    await el.updateComplete;
    setTimeout(() => counter('all').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>).detail.status).to.equal(null);
    expect(counter('all').getAttribute('aria-pressed')).to.equal('true');
  });

  it('sorts by a column when its header is pressed: dates newest first, again reverses; aria-sort follows', async () => {
    const el = await withProperties();
    const th = (sort: string) => $(el, `button[data-sort=${sort}]`).closest('th')!;
    expect(th('status').getAttribute('aria-sort')).to.equal('ascending');
    expect(th('name').hasAttribute('aria-sort')).to.be.false;

    setTimeout(() => $(el, 'button[data-sort=last_success]').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>).detail).to.include({ sort: 'last_success', order: 'desc' });
    expect(th('last_success').getAttribute('aria-sort')).to.equal('descending');
    expect(th('status').hasAttribute('aria-sort')).to.be.false;

    setTimeout(() => $(el, 'button[data-sort=last_success]').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>).detail).to.include({ sort: 'last_success', order: 'asc' });
    setTimeout(() => $(el, 'button[data-sort=name]').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>).detail).to.include({ sort: 'name', order: 'asc' });
  });

  it('moves between rows with the arrow keys, Home and End, keeping one row in the tab order, and Enter fires machine-select', async () => {
    const el = await withProperties();
    const tabbable = () => $$(el, 'tbody tr').filter((tr) => tr.tabIndex === 0).map((tr) => tr.dataset.vm);
    expect(tabbable()).to.deep.equal(['db-01']);
    $(el, 'tr[data-vm="db-01"]').focus();
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    expect(focusedRow()).to.equal('web-01');
    expect(tabbable()).to.deep.equal(['web-01']);
    await sendKeys({ press: 'End' });
    await el.updateComplete;
    expect(focusedRow()).to.equal('new-01');
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    expect(focusedRow(), 'stays on the last row').to.equal('new-01');
    await sendKeys({ press: 'Home' });
    await el.updateComplete;
    expect(focusedRow()).to.equal('db-01');
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowUp' });
    await el.updateComplete;
    expect(focusedRow()).to.equal('db-01');

    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    setTimeout(() => void sendKeys({ press: 'Enter' }));
    const chosen = (await oneEvent(el, 'machine-select')) as CustomEvent<MachineSelectDetail>;
    expect(chosen.detail).to.deep.equal({ vm_name: 'web-01' });
    expect(chosen.bubbles && chosen.composed).to.be.true;
  });

  it('fires machine-select when a row is clicked', async () => {
    const el = await withProperties();
    setTimeout(() => $(el, 'tr[data-vm="mail-01"] td').click());
    expect(((await oneEvent(el, 'machine-select')) as CustomEvent<MachineSelectDetail>).detail).to.deep.equal({ vm_name: 'mail-01' });
  });

  it('shows a VM name, phase and reason that hold markup as text', async () => {
    const evil = '<img src=x onerror="window.__pwned=1">';
    const m = fleetMachine(evil, 'at_risk', { last_job: job({ vm_name: evil, status: 'running', current_phase: '<b>x</b>' }) });
    m.protection = { ...m.protection, reason: `No successful backup; last attempt failed: ${evil}` };
    const el = await withProperties([m]);
    expect(el.shadowRoot!.querySelector('img, b')).to.equal(null);
    expect($(el, 'td.name').textContent).to.equal(evil);
    expect($(el, '.phase').textContent).to.equal('<b>x</b>');
    expect($(el, '[part=reason]').textContent).to.include(evil);
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('asks for the next page with the cursor the host gave and for the page before it again on Previous', async () => {
    const el = await withProperties();
    el.nextCursor = 'c-2';
    el.total = 7;
    el.pageSize = 4;
    await el.updateComplete;
    expect($(el, '[data-field=range]').textContent).to.equal('1–4 of 7');
    setTimeout(() => $(el, 'button[data-page=next]').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>).detail.cursor).to.equal('c-2');
    el.machines = smallFleet().slice(0, 3);
    el.nextCursor = null;
    await el.updateComplete;
    expect($(el, '[data-field=range]').textContent).to.equal('5–7 of 7');
    expect($<HTMLButtonElement>(el, 'button[data-page=next]').disabled).to.be.true;
    setTimeout(() => $(el, 'button[data-page=previous]').click());
    expect(((await oneEvent(el, 'fleet-query')) as CustomEvent<FleetQueryDetail>).detail.cursor).to.equal(null);
  });
});

describe('bt-fleet-overview loading from the hub', () => {
  function fleetOf(n: number) {
    const statuses = ['protected', 'at_risk', 'warning', 'pending', 'unmonitored'] as const;
    return Array.from({ length: n }, (_, i) => fleetMachine(`vm-${String(i).padStart(4, '0')}`, statuses[i % 5]));
  }

  it('loads one page and the counters, and sends a filter, a debounced search and the cursor to the hub, never holding more than a page', async () => {
    const fleet = fleetOf(250);
    const fetches = stubFetch({ '/api/v1/machines': pagedMachines(fleet), '/api/v1/fleet/summary': fleetSummary({ protected: 50, at_risk: 50, warning: 50, pending: 50, unmonitored: 50 }) });
    try {
      const el = await fixture<BtFleetOverview>(html`<bt-fleet-overview sort="name"></bt-fleet-overview>`);
      await waitUntil(() => $$(el, 'tbody tr').length === 100, 'first page shown');
      expect(fetches.requests).to.include('/api/v1/fleet/summary');
      expect(fetches.requests).to.include('/api/v1/machines?sort=name&order=asc&limit=100');
      expect($(el, '.counter.all .count').textContent).to.equal('250');
      expect($(el, '[data-field=range]').textContent).to.equal('1–100 of 250');

      const seen = new Set(rowNames(el));
      for (const expected of ['101–200 of 250', '201–250 of 250']) {
        $(el, 'button[data-page=next]').click();
        await waitUntil(() => $(el, '[data-field=range]')?.textContent === expected, expected);
        expect($$(el, 'tbody tr').length).to.be.at.most(100);
        for (const name of rowNames(el)) seen.add(name);
      }
      expect(seen.size, 'every VM once over three pages').to.equal(250);
      expect($<HTMLButtonElement>(el, 'button[data-page=next]').disabled).to.be.true;
      $(el, 'button[data-page=previous]').click();
      await waitUntil(() => $(el, '[data-field=range]')?.textContent === '101–200 of 250', 'back to page 2');
      expect(rowNames(el)[0]).to.equal('vm-0100');

      $(el, '.counter[data-status=at_risk]').click();
      await waitUntil(() => $(el, '[data-field=range]')?.textContent === '1–50 of 50' || $(el, '.pager')?.textContent?.trim() === '50 machines', 'at-risk only');
      expect(fetches.requests.at(-1)).to.equal('/api/v1/machines?status=at_risk&sort=name&order=asc&limit=100');
      expect(rowNames(el).every((n) => chipOf(el, n!) === 'At risk')).to.be.true;

      const before = fetches.requests.length;
      const input = $<HTMLInputElement>(el, 'input[type=search]');
      for (const typed of ['0', '00', '001', '0011']) {
        input.value = typed;
        input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
      }
      await waitUntil(() => $$(el, 'tbody tr').length === 1, 'search applied');
      const searches = fetches.requests.slice(before).filter((r) => r.startsWith('/api/v1/machines'));
      expect(searches, 'one request for four keystrokes').to.deep.equal(['/api/v1/machines?status=at_risk&q=0011&sort=name&order=asc&limit=100']);
      expect(rowNames(el)).to.deep.equal(['vm-0011']);
    } finally {
      fetches.restore();
    }
  });

  it('shows the hub\'s error with Retry', async () => {
    const fetches = stubFetch({
      '/api/v1/machines': () => new Response(JSON.stringify({ error: { status: 400, code: 'invalid_request', message: 'sort must be one of name, last_backup, last_success, status', field: 'sort' } }), { status: 400 }),
      '/api/v1/fleet/summary': fleetSummary({}),
    });
    try {
      const el = await fixture<BtFleetOverview>(html`<bt-fleet-overview></bt-fleet-overview>`);
      await waitUntil(() => $(el, '[role=alert]'), 'error shown');
      expect($(el, '[role=alert]').textContent).to.include('sort must be one of name');
      expect($(el, '[role=alert] button').textContent).to.equal('Retry');
    } finally {
      fetches.restore();
    }
  });

  it('applies machine:update pushes to the rows on screen, ignores other VMs, and leaves the fleet room when removed', async () => {
    const fleet = [fleetMachine('live-a', 'protected'), fleetMachine('live-b', 'protected')];
    const fetches = stubFetch({ '/api/v1/machines': pagedMachines(fleet), '/api/v1/fleet/summary': fleetSummary({ protected: 2 }) });
    try {
      const url = await hub.url();
      const el = await fixture<BtFleetOverview>(html`<bt-fleet-overview socket-url=${url}></bt-fleet-overview>`);
      await waitUntil(() => $$(el, 'tbody tr').length === 2, 'rows shown');
      await waitUntil(async () => (await hub.roomSize(rooms.fleet)) === 1, 'subscribed to the fleet');
      const rowB = $(el, 'tr[data-vm="live-b"]');

      const update = (percent: number): MachineUpdateEvent => ({
        vm_name: 'live-a',
        protection: { status: 'protected', reason: 'Last successful backup 12 h ago (RPO 24 h)' },
        last_job: { backup_id: 'run-1', status: 'running', progress_percent: percent, transfer_speed_bps: 50 * 1048576, current_phase: 'transferring' },
      });
      await hub.push(rooms.fleet, SERVER_EVENTS.machineUpdate, update(10));
      await waitUntil(() => $(el, 'tr[data-vm="live-a"] [data-field=percent]')?.textContent === '10%', 'running job shown');
      await hub.push(rooms.fleet, SERVER_EVENTS.machineUpdate, update(64.6));
      await waitUntil(() => $(el, 'tr[data-vm="live-a"] [data-field=percent]')?.textContent === '65%', 'progress followed');
      expect($(el, 'tr[data-vm="live-a"] [data-field=speed]').textContent).to.equal('50.0 MiB/s');
      expect($(el, 'tr[data-vm="live-b"]'), 'the other row kept its node').to.equal(rowB);

      await hub.push(rooms.fleet, SERVER_EVENTS.machineUpdate, { ...update(1), vm_name: 'elsewhere' });
      await hub.push(rooms.fleet, SERVER_EVENTS.machineUpdate, {
        vm_name: 'live-b', protection: { status: 'at_risk', reason: 'No successful backup for 31 h (RPO 24 h)' }, last_job: null,
      });
      await waitUntil(() => chipOf(el, 'live-b') === 'At risk', 'status change applied');
      expect(rowNames(el)).to.deep.equal(['live-a', 'live-b']);

      el.remove();
      await waitUntil(async () => (await hub.roomSize(rooms.fleet)) === 0, 'left the fleet room on removal');
    } finally {
      fetches.restore();
    }
  });
});

describe('bt-fleet-overview against the real hub', () => {
  const realHub = {
    url: () => executeServerCommand('real-hub-url') as Promise<string>,
    startJob: (vm_name: string) => executeServerCommand('real-hub-start-job', { vm_name }) as Promise<string>,
    progress: (job_id: string, bytes_transferred: number, transfer_speed_bps: number) =>
      executeServerCommand('real-hub-progress', { job_id, bytes_transferred, transfer_speed_bps }),
    fleetViewers: () => executeServerCommand('real-hub-fleet-viewers') as Promise<number>,
  };
  const API = '/real-hub/api/v1';
  /** The names of the hub's 250 VMs at risk, with a warning and protected (seeded at start, see real-hub-plugin.mjs). */
  const fleet = () => executeServerCommand('real-hub-fleet') as Promise<string[]>;
  const getJson = async <T>(path: string) => (await (await fetch(API + path)).json()) as T;

  it('shows counters that match /fleet/summary and filters by a status', async () => {
    await fleet();
    const summary = await getJson<FleetSummary>('/fleet/summary');
    expect(summary.machines.total).to.equal(250);
    const el = await fixture<BtFleetOverview>(html`<bt-fleet-overview api-base=${API}></bt-fleet-overview>`);
    await waitUntil(() => $$(el, 'tbody tr').length === 100 && $(el, '.counter.all'), 'first page and counters', { timeout: 10_000 });
    const shown = Object.fromEntries($$(el, '[part=counter]').map((c) => [c.dataset.status ?? 'all', Number(c.querySelector('.count')!.textContent)]));
    expect(shown).to.deep.equal({ all: 250, ...summary.machines.by_protection });
    expect(summary.machines.by_protection.at_risk, 'the seed has machines at risk').to.be.greaterThan(0);

    $(el, '.counter[data-status=warning]').click();
    await waitUntil(() => $(el, '.pager')?.textContent?.includes(`${summary.machines.by_protection.warning} machines`), 'warning only', { timeout: 5000 });
    expect($$(el, 'tbody tr').length).to.equal(summary.machines.by_protection.warning);
    expect(new Set($$(el, '[part=chip]').map((c) => c.textContent!.trim()))).to.deep.equal(new Set(['Warning']));
    expect($(el, '[part=reason]').textContent).to.include('Repository unreachable');
  });

  it('searches by name and pages through 250 VMs with the cursor, never more than one page in the DOM', async () => {
    const names = await fleet();
    const el = await fixture<BtFleetOverview>(html`<bt-fleet-overview api-base=${API} sort="name"></bt-fleet-overview>`);
    await waitUntil(() => $(el, '[data-field=range]')?.textContent === '1–100 of 250', 'first page', { timeout: 10_000 });
    const seen: string[] = [...rowNames(el) as string[]];
    for (const expected of ['101–200 of 250', '201–250 of 250']) {
      $(el, 'button[data-page=next]').click();
      await waitUntil(() => $(el, '[data-field=range]')?.textContent === expected, expected, { timeout: 10_000 }).catch(() => {
        throw new Error(`expected ${expected}, shown ${$(el, '[data-field=range]')?.textContent} / ${$(el, '[part=state]')?.textContent}`);
      });
      expect($$(el, 'tbody tr').length).to.be.at.most(100);
      seen.push(...(rowNames(el) as string[]));
    }
    expect(seen).to.deep.equal([...names].sort());

    $<HTMLInputElement>(el, 'input[type=search]').focus();
    await sendKeys({ type: '-024' });
    await waitUntil(() => $(el, '.pager')?.textContent?.trim() === '10 machines', 'search applied on the first page', { timeout: 5000 });
    expect(rowNames(el)).to.deep.equal(names.filter((n) => n.includes('-024')));
  });
});

describe('bt-fleet-overview live from the real hub', () => {
  const API = '/real-hub/api/v1';
  const cmd = <T>(command: string, payload?: object) => executeServerCommand(command, payload) as Promise<T>;

  it('updates a running job\'s row from machine:update pushes, and leaves the fleet room when removed', async () => {
    const vm = 'live-0000';
    const jobId = await cmd<string>('real-hub-start-job', { vm_name: vm });
    const url = await cmd<string>('real-hub-url');
    const el = await fixture<BtFleetOverview>(html`<bt-fleet-overview api-base=${API} socket-url=${url} q="live-"></bt-fleet-overview>`);
    const row = () => $(el, `tr[data-vm="${vm}"]`);
    await waitUntil(() => row()?.querySelector('td.job')?.getAttribute('data-job-status') === 'running', 'the running job listed', { timeout: 10_000 });
    await waitUntil(async () => (await cmd<number>('real-hub-fleet-viewers')) === 1, 'subscribed {fleet: true}');

    await cmd('real-hub-progress', { job_id: jobId, bytes_transferred: 2048, transfer_speed_bps: 64 * 1048576 });
    await waitUntil(() => row().querySelector('[data-field=percent]')?.textContent === '50%', 'progress pushed to the row', { timeout: 5000 });
    expect(row().querySelector('[data-field=speed]')!.textContent).to.equal('64.0 MiB/s');
    await cmd('real-hub-progress', { job_id: jobId, bytes_transferred: 3072, transfer_speed_bps: 32 * 1048576 });
    await waitUntil(() => row().querySelector('[data-field=percent]')?.textContent === '75%', 'and again', { timeout: 5000 });

    el.remove();
    await waitUntil(async () => (await cmd<number>('real-hub-fleet-viewers')) === 0, 'left the fleet room');
  });
});

describe('a machine:update applied to a row', () => {
  const push = (status: 'running' | 'completed', backup_id = 'run-9'): MachineUpdateEvent => ({
    vm_name: 'web-01',
    protection: { status: 'protected', reason: 'Last successful backup just now (RPO 24 h)' },
    last_job: { backup_id, status, progress_percent: status === 'completed' ? 100 : 30, transfer_speed_bps: 0, current_phase: null },
  });

  it('starts a new run from the push, keeps the row\'s other facts, and takes a completion as the newest success', () => {
    const row = fleetMachine('web-01', 'warning');
    const started = applyMachineUpdate(row, push('running'), '2026-12-02T10:00:00.000Z');
    expect(started.last_job).to.include({ backup_id: 'run-9', status: 'running', progress_percent: 30, created_at: '2026-12-02T10:00:00.000Z' });
    expect(started.protection).to.include({ status: 'protected', rpo_hours: 24, last_success_at: row.protection.last_success_at });
    expect(started.os).to.equal(row.os);

    const done = applyMachineUpdate(started, push('completed'), '2026-12-02T10:20:00.000Z');
    expect(done.last_job).to.include({ backup_id: 'run-9', status: 'completed', created_at: '2026-12-02T10:00:00.000Z' });
    expect(done.protection.last_success_at).to.equal('2026-12-02T10:20:00.000Z');
    const repeated = applyMachineUpdate(done, push('completed'), '2026-12-02T10:21:00.000Z');
    expect(repeated.protection.last_success_at, 'a repeated push of the same end does not move it').to.equal('2026-12-02T10:20:00.000Z');
  });
});
