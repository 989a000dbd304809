import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/index.js';
import type { BtMachineDetails } from '../src/machine-details/machine-details.js';
import type { BtSpeedChart } from '../src/speed-chart/speed-chart.js';
import type { BtBackupHistory } from '../src/backup-history/backup-history.js';
import type { BtSuccessDonut } from '../src/success-donut/success-donut.js';
import type { BtBackupTrends } from '../src/backup-trends/backup-trends.js';
import { deepActiveElement } from '../src/shared/focus.js';
import { job, machine, metrics, nights, pagedBackups, points, statsFor, stubFetch, vmHistory } from './fixtures.js';
import { $, $$, chartReady, focusIsInside, speedSeries } from './helpers.js';
import './preload-charts.js';

async function openModal(data = vmHistory()) {
  const el = await fixture<BtMachineDetails>(html`<bt-machine-details
    vm-name="web-01"
    .machine=${data.machine}
    .backups=${data.backups}
    .stats=${data.stats}
    open
  ></bt-machine-details>`);
  await el.updateComplete;
  return { el, data };
}

const kpiTexts = (el: BtMachineDetails) =>
  $$(el, '[part=kpi]').map((k) => `${k.querySelector('.label')!.textContent} ${k.querySelector('.value')!.textContent}`);
const activeTabText = (el: BtMachineDetails) => (deepActiveElement() as HTMLElement | null)?.textContent?.trim();

describe('bt-machine-details', () => {
  it('opens as a modal dialog and moves focus to the active tab', async () => {
    const { el } = await openModal();
    const dialog = $<HTMLDialogElement>(el, 'dialog');
    expect(dialog.open).to.be.true;
    expect(dialog.getAttribute('aria-modal')).to.equal('true');
    expect(dialog.matches(':modal')).to.be.true;
    expect(activeTabText(el)).to.equal('Summary');
  });

  it('Summary shows machine facts, KPI cards and the history with a failed job\'s error in its row', async () => {
    const { el, data } = await openModal();
    const info = $(el, '[part=machine-info]').textContent!;
    expect(info).to.include('Ubuntu 22.04').and.include('32.0 GiB').and.include('sdb · 500 GiB');
    expect(info).to.match(/CPU cores\s*8/);
    const kpis = kpiTexts(el);
    expect(kpis).to.deep.equal(['Total backups 3', 'Success rate 66.7%', 'Average size 10.0 GiB', 'Average duration 9m0s']);
    const history = $<BtBackupHistory>(el, 'bt-backup-history');
    await history.updateComplete;
    const rows = $$(history, 'tr.job');
    expect(rows).to.have.length(3);
    expect(rows[0].textContent).to.include('Oct 10, 14:28').and.include('Incremental').and.include('10m0s').and.include('Completed');
    const failedRow = history.shadowRoot!.querySelector(`tr[data-job-id="${data.failed.backup_id}"]`)!;
    const errorRow = failedRow.nextElementSibling!;
    expect(errorRow.querySelector('[part=error]')!.textContent).to.include('Repository unreachable: ECONNRESET');
  });

  it('shows a running job\'s live progress overall and per disk on the Summary tab', async () => {
    const data = vmHistory();
    const running = job({
      status: 'running', progress_percent: 42.5, current_phase: 'transfer', transfer_speed_bps: 150 * 1024 * 1024, eta_seconds: 330,
      disks: [
        { disk_index: 0, bytes_transferred: 50, total_bytes: 100, status: 'running', progress_percent: 50 },
        { disk_index: 1, bytes_transferred: 35, total_bytes: 100, status: 'running', progress_percent: 35 },
      ],
    });
    const { el } = await openModal({ ...data, backups: [running, ...data.backups] });
    const progress = $(el, 'bt-job-progress') as HTMLElement & { updateComplete: Promise<unknown> };
    await progress.updateComplete;
    const text = progress.shadowRoot!.textContent!.replace(/\s+/g, ' ');
    expect(text).to.include('42.5%').and.include('Phase: transfer').and.include('150.0 MiB/s').and.include('ETA 5m30s');
    const bars = progress.shadowRoot!.querySelectorAll('[role=progressbar]');
    expect([...bars].map((b) => b.getAttribute('aria-valuenow'))).to.deep.equal(['42.5', '50.0', '35.0']);
  });

  it('moves between tabs with the arrow keys, Home and End', async () => {
    const { el } = await openModal();
    await sendKeys({ press: 'ArrowRight' });
    await el.updateComplete;
    expect(el.tab).to.equal('performance');
    expect(activeTabText(el)).to.equal('Performance');
    await sendKeys({ press: 'End' });
    await el.updateComplete;
    expect(el.tab).to.equal('analytics');
    await sendKeys({ press: 'ArrowRight' });
    await el.updateComplete;
    expect(el.tab).to.equal('summary');
    await sendKeys({ press: 'ArrowLeft' });
    await el.updateComplete;
    expect(el.tab).to.equal('analytics');
    await sendKeys({ press: 'Home' });
    await el.updateComplete;
    expect(el.tab).to.equal('summary');
    expect(activeTabText(el)).to.equal('Summary');
    const selected = $$(el, '[role=tab]').map((t) => t.getAttribute('aria-selected'));
    expect(selected).to.deep.equal(['true', 'false', 'false']);
  });

  it('keeps Tab and Shift+Tab focus inside the modal', async () => {
    const outside = document.createElement('button');
    outside.textContent = 'outside';
    document.body.prepend(outside);
    try {
      const { el } = await openModal();
      for (let i = 0; i < 25; i++) {
        await sendKeys({ press: 'Tab' });
        expect(focusIsInside(el), `after ${i + 1} Tab presses`).to.be.true;
      }
      for (let i = 0; i < 25; i++) {
        await sendKeys({ down: 'Shift' });
        await sendKeys({ press: 'Tab' });
        await sendKeys({ up: 'Shift' });
        expect(focusIsInside(el), `after ${i + 1} Shift+Tab presses`).to.be.true;
      }
    } finally {
      outside.remove();
    }
  });

  it('closes on Esc, fires close and gives focus back', async () => {
    const opener = document.createElement('button');
    document.body.append(opener);
    opener.focus();
    const { el } = await openModal();
    expect(focusIsInside(el)).to.be.true;
    const closed = oneEvent(el, 'close');
    await sendKeys({ press: 'Escape' });
    await closed;
    await el.updateComplete;
    expect(el.open).to.be.false;
    expect(el.hasAttribute('open')).to.be.false;
    expect($<HTMLDialogElement>(el, 'dialog').open).to.be.false;
    expect(document.activeElement).to.equal(opener);
    opener.remove();
  });

  it('closes from the close button', async () => {
    const { el } = await openModal();
    const closed = oneEvent(el, 'close');
    $(el, '[part=close-button]').click();
    await closed;
    expect(el.open).to.be.false;
  });

  it('Performance lists every backup and charts the running or newest one', async () => {
    const { el, data } = await openModal();
    el.tab = 'performance';
    await el.updateComplete;
    const options = $$<HTMLOptionElement>(el, '#job-select option').map((o) => o.textContent);
    expect(options).to.deep.equal(['Oct 10, 14:28 — Incremental', 'Oct 9, 02:00 — Full (failed)', 'Oct 8, 02:00 — Full']);
    const kpis = kpiTexts(el);
    expect(kpis[0]).to.equal('Peak speed 186.0 MiB/s');
    expect(kpis[2]).to.equal('Duration 1m58s');
    const chart = $<BtSpeedChart>(el, 'bt-speed-chart');
    await chartReady(chart);
    expect(speedSeries(chart)).to.have.length(data.recent.performance_metrics!.chart_data.length);
  });

  it('swaps the chart when another backup is chosen in the selector', async () => {
    const { el, data } = await openModal();
    el.tab = 'performance';
    await el.updateComplete;
    const select = $<HTMLSelectElement>(el, '#job-select');
    select.value = data.older.backup_id;
    select.dispatchEvent(new Event('change'));
    await el.updateComplete;
    const chart = $<BtSpeedChart>(el, 'bt-speed-chart');
    await chart.updateComplete;
    await chartReady(chart);
    expect(speedSeries(chart)).to.have.length(30);
    expect(speedSeries(chart)[0]).to.deep.equal([0, 90]);
    expect(el.selectedJobId).to.equal(data.older.backup_id);
  });

  it('opens the Performance tab for a backup clicked in the history table', async () => {
    const { el, data } = await openModal();
    const history = $<BtBackupHistory>(el, 'bt-backup-history');
    const selected = oneEvent(el, 'job-select');
    (history.shadowRoot!.querySelector(`tr[data-job-id="${data.older.backup_id}"]`) as HTMLElement).click();
    const event = await selected;
    expect(event.detail.job.backup_id).to.equal(data.older.backup_id);
    await el.updateComplete;
    expect(el.tab).to.equal('performance');
    expect($<HTMLSelectElement>(el, '#job-select').value).to.equal(data.older.backup_id);
  });

  it('shows a failed backup\'s error and "No performance data" when it has no metrics', async () => {
    const { el, data } = await openModal();
    el.selectedJobId = data.failed.backup_id;
    el.tab = 'performance';
    await el.updateComplete;
    expect($(el, '.job-error').textContent).to.include('Repository unreachable: ECONNRESET');
    const chart = $<BtSpeedChart>(el, 'bt-speed-chart');
    await chart.updateComplete;
    expect(chart.shadowRoot!.textContent).to.include('No performance data for this backup');
    expect(chart.chart).to.be.undefined;
  });

  it('explains a backup that never started (NULL started_at)', async () => {
    const data = vmHistory();
    const never = job({ started_at: null, status: 'failed', error_message: 'Client crashed before start', bytes_transferred: 0, total_bytes: 0 });
    const { el } = await openModal({ ...data, backups: [never, ...data.backups] });
    const history = $<BtBackupHistory>(el, 'bt-backup-history');
    await history.updateComplete;
    expect(history.shadowRoot!.querySelector('tr.job')!.textContent).to.include('Not started');
    el.tab = 'performance';
    el.selectedJobId = never.backup_id;
    await el.updateComplete;
    expect($(el, '.notice').textContent).to.include('never started');
  });

  it('Analytics shows the success donut with its rate, averages and trends', async () => {
    const { el } = await openModal();
    el.tab = 'analytics';
    await el.updateComplete;
    const donut = $<BtSuccessDonut>(el, 'bt-success-donut');
    await donut.updateComplete;
    expect(donut.shadowRoot!.querySelector('[part=rate]')!.textContent).to.include('66.7%');
    await chartReady(donut);
    const pie = (donut.chart!.getOption() as { series: { data: { name: string; value: number }[] }[] }).series[0].data;
    expect(pie.map((d) => [d.name, d.value])).to.deep.equal([['Completed', 2], ['Failed', 1]]);
    const trends = $<BtBackupTrends>(el, 'bt-backup-trends');
    await chartReady(trends);
    const series = (trends.chart!.getOption() as { series: { name: string; data: unknown[] }[] }).series;
    expect(series.map((s) => [s.name, s.data.length])).to.deep.equal([['Size', 3], ['Duration', 3]]);
    expect($(el, '.analytics').textContent).to.include('Average speed');
  });

  it('renders a VM name with markup as text, never as HTML', async () => {
    const evil = '<img src=x onerror="window.__pwned=1">';
    const data = vmHistory();
    const { el } = await openModal({ ...data, machine: machine({ vm_name: evil, os: evil }) });
    el.vmName = evil;
    await el.updateComplete;
    expect($(el, '#title').textContent).to.equal(evil);
    expect(el.shadowRoot!.querySelector('img')).to.be.null;
    expect($(el, '[part=machine-info]').textContent).to.include(evil);
    await new Promise((r) => setTimeout(r, 50));
    expect((window as unknown as { __pwned?: number }).__pwned).to.be.undefined;
  });

  it('loads machine, backups, stats and the chart from the hub REST API, with the host\'s auth header', async () => {
    const data = vmHistory();
    const hub = stubFetch({
      '/hub/api/machines/web-01': data.machine,
      '/hub/api/backups': { backups: data.backups.map((b) => ({ ...b, performance_metrics: undefined })), next_before: null },
      '/hub/api/backups/stats': data.stats,
      [`/hub/api/telemetry/history/${data.recent.backup_id}`]: { job_id: data.recent.backup_id, job_type: 'backup', data_source: 'rolled_up', status: 'completed', performance_metrics: data.recent.performance_metrics },
    });
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" api-base="/hub/api" .requestInit=${{ headers: { authorization: 'Bearer viewer-1' } }} open></bt-machine-details>`);
      await waitUntil(() => el.telemetry.status === 'ready', 'REST data loaded');
      await el.updateComplete;
      expect(hub.requests).to.include.members(['/hub/api/machines/web-01', '/hub/api/backups?vm_name=web-01&limit=100', '/hub/api/backups/stats?vm_name=web-01']);
      expect($(el, '[part=machine-info]').textContent).to.include('Ubuntu 22.04');
      expect(hub.headers.every((h) => h.authorization === 'Bearer viewer-1' && h.accept === 'application/json')).to.be.true;
      el.tab = 'performance';
      await el.updateComplete;
      const chart = $<BtSpeedChart>(el, 'bt-speed-chart');
      await chartReady(chart);
      expect(hub.requests).to.include(`/hub/api/telemetry/history/${data.recent.backup_id}`);
      expect(speedSeries(chart)).to.have.length(60);
    } finally {
      hub.restore();
    }
  });

  it('shows the hub\'s error message with a Retry button when loading fails', async () => {
    let fail = true;
    const data = vmHistory();
    const hub = stubFetch({
      '/api/v1/machines/web-01': () => (fail ? new Response(JSON.stringify({ error: { status: 503, code: 'database_unavailable', message: 'Database unavailable' } }), { status: 503 }) : data.machine),
      '/api/v1/backups': { backups: data.backups, next_before: null },
      '/api/v1/backups/stats': data.stats,
    });
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" open></bt-machine-details>`);
      await waitUntil(() => el.telemetry.status === 'error');
      await el.updateComplete;
      expect($(el, '[role=alert]').textContent).to.include('Database unavailable');
      fail = false;
      ($(el, '[role=alert] button') as HTMLButtonElement).click();
      await waitUntil(() => el.telemetry.status === 'ready');
      await el.updateComplete;
      expect($(el, '[part=machine-info]').textContent).to.include('Ubuntu 22.04');
    } finally {
      hub.restore();
    }
  });

  it('loads older backups into the history and the job selector, and offers a retry when that fails', async () => {
    const jobs = nights(3);
    let failOlder = true;
    const paged = pagedBackups([jobs.slice(0, 2), jobs.slice(2)]);
    const hub = stubFetch({
      '/api/v1/machines/web-01': machine(),
      '/api/v1/backups': (url: URL) =>
        url.searchParams.has('before') && failOlder
          ? new Response(JSON.stringify({ error: { status: 503, code: 'database_unavailable', message: 'Database unavailable' } }), { status: 503 })
          : paged(url),
      '/api/v1/backups/stats': statsFor(jobs),
    });
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" open></bt-machine-details>`);
      await waitUntil(() => el.telemetry.status === 'ready', 'first page loaded');
      await el.updateComplete;
      const history = $<BtBackupHistory>(el, 'bt-backup-history');
      await history.updateComplete;
      $<HTMLButtonElement>(history, '[part=more] button').click();
      await waitUntil(() => history.shadowRoot!.querySelector('[part=more] [role=alert]'), 'failure shown');
      expect($(history, '[part=more] [role=alert]').textContent).to.include('Database unavailable');
      failOlder = false;
      $<HTMLButtonElement>(history, '[part=more] button').click();
      await waitUntil(() => $$(history, 'tr.job').length === 3, 'older page in the history');
      expect($(history, '[part=more]'), 'last page: no button').to.be.null;
      el.tab = 'performance';
      await el.updateComplete;
      expect($$<HTMLOptionElement>(el, '#job-select option').map((o) => o.value)).to.deep.equal(jobs.map((j) => j.backup_id));
      expect($(el, '.load-older')).to.be.null;
    } finally {
      hub.restore();
    }
  });

  it('loads older backups from the Performance tab\'s job selector too', async () => {
    const jobs = nights(3);
    const hub = stubFetch({
      '/api/v1/machines/web-01': machine(),
      '/api/v1/backups': pagedBackups([jobs.slice(0, 2), jobs.slice(2)]),
      '/api/v1/backups/stats': statsFor(jobs),
    });
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" tab="performance" open></bt-machine-details>`);
      await waitUntil(() => el.telemetry.status === 'ready', 'first page loaded');
      await el.updateComplete;
      expect($$(el, '#job-select option')).to.have.length(2);
      $<HTMLButtonElement>(el, '.load-older').click();
      await waitUntil(() => $$(el, '#job-select option').length === 3, 'older backup in the selector');
    } finally {
      hub.restore();
    }
  });

  it('shows "No performance data" for a legacy job whose history is empty', async () => {
    const legacy = job({ performance_metrics: null });
    const hub = stubFetch({
      '/api/v1/machines/web-01': machine(),
      '/api/v1/backups': { backups: [legacy], next_before: null },
      '/api/v1/backups/stats': statsFor([legacy]),
      [`/api/v1/telemetry/history/${legacy.backup_id}`]: { job_id: legacy.backup_id, job_type: 'backup', data_source: 'none', status: 'completed' },
    });
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" tab="performance" open></bt-machine-details>`);
      await waitUntil(() => el.telemetry.charts.get(legacy.backup_id)?.status === 'ready');
      await el.updateComplete;
      const chart = $<BtSpeedChart>(el, 'bt-speed-chart');
      await chart.updateComplete;
      expect(chart.shadowRoot!.textContent).to.include('No performance data for this backup');
    } finally {
      hub.restore();
    }
  });

  it('updates quietly while off the page, and is a modal again when put back', async () => {
    const { el } = await openModal();
    const parent = el.parentElement!;
    el.remove();
    el.requestUpdate(); // what a late REST answer or subscribe ack does
    expect(await el.updateComplete).to.be.true;
    parent.append(el);
    await el.updateComplete;
    expect($<HTMLDialogElement>(el, 'dialog').matches(':modal')).to.be.true;
  });

  it('disposes its charts when removed from the page', async () => {
    const { el } = await openModal();
    el.tab = 'performance';
    await el.updateComplete;
    const chart = await chartReady($<BtSpeedChart>(el, 'bt-speed-chart'));
    el.remove();
    expect(chart.isDisposed()).to.be.true;
  });
});

// keep a reference so the fixture factory import is used in type position too
void metrics;
void points;

describe('bt-machine-details moved while loading', () => {
  it('loads again when put back after being removed mid-request', async () => {
    const data = vmHistory();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const hub = stubFetch({
      '/api/v1/machines/web-01': data.machine,
      '/api/v1/backups': { backups: data.backups, next_before: null },
      '/api/v1/backups/stats': data.stats,
    });
    const stubbed = window.fetch;
    let calls = 0;
    window.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls += 1;
      if (calls <= 3) {
        await gate;
        if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      }
      return stubbed(input, init);
    }) as typeof fetch;
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" open></bt-machine-details>`);
      const parent = el.parentElement!;
      el.remove();
      release();
      await new Promise((r) => setTimeout(r, 20));
      expect(el.telemetry.status).to.equal('idle');
      parent.append(el);
      await waitUntil(() => el.telemetry.status === 'ready', 'loaded after being put back');
      await el.updateComplete;
      expect($(el, '[part=machine-info]').textContent).to.include('Ubuntu 22.04');
      expect($<HTMLDialogElement>(el, 'dialog').matches(':modal'), 'still a modal after the move').to.be.true;
    } finally {
      hub.restore();
    }
  });
});
