import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/index.js';
import type { BtBackupHistory } from '../src/backup-history/backup-history.js';
import type { BtSuccessDonut } from '../src/success-donut/success-donut.js';
import type { BtBackupTrends } from '../src/backup-trends/backup-trends.js';
import type { BtJobProgress } from '../src/job-progress/job-progress.js';
import { job, nights, pagedBackups, statsFor, stubFetch, vmHistory } from './fixtures.js';
import { $, $$, chartReady } from './helpers.js';
import './preload-charts.js';

describe('bt-backup-history', () => {
  it('selects a backup with the keyboard and fires job-select', async () => {
    const { backups, older } = vmHistory();
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${backups}></bt-backup-history>`);
    const buttons = $$<HTMLButtonElement>(el, 'button.pick');
    buttons[2].focus();
    const picked = oneEvent(el, 'job-select');
    await sendKeys({ press: 'Enter' });
    expect((await picked).detail.job.backup_id).to.equal(older.backup_id);
    await el.updateComplete;
    expect($$(el, 'tr.job').map((r) => r.getAttribute('aria-current'))).to.deep.equal(['false', 'false', 'true']);
  });

  it('shows a cancelled job\'s message under its row, muted rather than in error red', async () => {
    const failed = job({ status: 'failed', error_message: 'Disk 0 read error' });
    const cancelled = job({ status: 'cancelled', error_message: 'Cancelled by operator' });
    const quiet = job({ status: 'cancelled', error_message: null });
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${[failed, cancelled, quiet]}></bt-backup-history>`);
    const messageUnder = (id: string) => el.shadowRoot!.querySelector(`tr[data-job-id="${id}"]`)!.nextElementSibling?.querySelector<HTMLElement>('[part=error]');
    const shown = messageUnder(cancelled.backup_id)!;
    expect([shown.querySelector('strong')!.textContent, shown.querySelector('span')!.textContent]).to.deep.equal(['Reason:', 'Cancelled by operator']);
    expect(messageUnder(quiet.backup_id), 'no row for a cancelled job without a message').to.be.undefined;
    const colour = (id: string) => getComputedStyle(messageUnder(id)!).color;
    const probe = (token: string) => {
      const span = document.createElement('span');
      span.style.color = `var(${token})`;
      messageUnder(failed.backup_id)!.append(span);
      const value = getComputedStyle(span).color;
      span.remove();
      return value;
    };
    expect(colour(failed.backup_id)).to.equal(probe('--_error'));
    expect(colour(cancelled.backup_id)).to.equal(probe('--_muted'));
    expect(probe('--_muted')).to.not.equal(probe('--_error'));
  });

  it('renders an error message with markup as text', async () => {
    const evil = '<img src=x onerror="window.__historyPwned=1">';
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${[job({ status: 'failed', error_message: evil })]}></bt-backup-history>`);
    expect($(el, '[part=error]').textContent).to.include(evil);
    expect(el.shadowRoot!.querySelector('img')).to.be.null;
  });

  it('loads a VM\'s backups itself when given vm-name', async () => {
    const { backups } = vmHistory();
    const fetches = stubFetch({ '/api/v1/backups': { backups, next_before: null }, '/api/v1/machines/web-01': {}, '/api/v1/backups/stats': statsFor(backups) });
    try {
      const el = await fixture<BtBackupHistory>(html`<bt-backup-history vm-name="web-01"></bt-backup-history>`);
      await waitUntil(() => el.shadowRoot!.querySelectorAll('tr.job').length === 3, 'rows loaded');
    } finally {
      fetches.restore();
    }
  });

  it('loads older backups with the hub\'s cursor until the last page', async () => {
    const jobs = nights(5);
    const fetches = stubFetch({
      '/api/v1/backups': pagedBackups([jobs.slice(0, 2), jobs.slice(2, 4), jobs.slice(4)]),
      '/api/v1/machines/web-01': {},
      '/api/v1/backups/stats': statsFor(jobs),
    });
    const rowIds = () => $$(el, 'tr.job').map((r) => r.dataset.jobId);
    const more = () => $<HTMLButtonElement>(el, '[part=more] button');
    let el!: BtBackupHistory;
    try {
      el = await fixture<BtBackupHistory>(html`<bt-backup-history vm-name="web-01"></bt-backup-history>`);
      await waitUntil(() => rowIds().length === 2, 'first page');
      expect(more().textContent).to.equal('Load older backups');
      more().click();
      await waitUntil(() => rowIds().length === 4, 'second page appended');
      more().click();
      await waitUntil(() => rowIds().length === 5, 'last page appended');
      expect(rowIds()).to.deep.equal(jobs.map((j) => j.backup_id));
      expect($(el, '[part=more]'), 'no button after the last page').to.be.null;
      const pages = fetches.requests.filter((r) => r.startsWith('/api/v1/backups?')).map((r) => new URL(r, location.href).searchParams);
      expect(pages.map((q) => q.get('before'))).to.deep.equal([null, `${jobs[1].created_at}~${jobs[1].backup_id}`, `${jobs[3].created_at}~${jobs[3].backup_id}`]);
      expect(pages.every((q) => q.get('vm_name') === 'web-01' && q.get('limit') === '100')).to.be.true;
    } finally {
      fetches.restore();
    }
  });

  it('with backups from the host, offers older ones when has-older is set and fires load-older', async () => {
    const { backups } = vmHistory();
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${backups}></bt-backup-history>`);
    expect($(el, '[part=more]')).to.be.null;
    el.hasOlder = true;
    await el.updateComplete;
    const asked = oneEvent(el, 'load-older');
    $<HTMLButtonElement>(el, '[part=more] button').click();
    await asked;
    el.loadingOlder = true;
    await el.updateComplete;
    expect($<HTMLButtonElement>(el, '[part=more] button').disabled).to.be.true;
  });

  it('shows a completion with warnings as such, in the warning colour', async () => {
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${[job({ warnings_count: 3 }), job()]}></bt-backup-history>`);
    const statuses = $$(el, '.status');
    expect(statuses[0]!.textContent!.trim()).to.equal('Completed · 3 warnings');
    expect(statuses[0]!.classList.contains('warning')).to.be.true;
    expect(statuses[1]!.textContent!.trim()).to.equal('Completed');
  });

  it('says so when a VM has no backups', async () => {
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${[]}></bt-backup-history>`);
    expect(el.shadowRoot!.textContent).to.include('No backups recorded');
  });
});

describe('bt-success-donut', () => {
  it('shows the rate in the middle and a slice per outcome, cancelled included', async () => {
    const backups = [job(), job(), job(), job({ status: 'failed' }), job({ status: 'cancelled' })];
    const el = await fixture<BtSuccessDonut>(html`<bt-success-donut .stats=${statsFor(backups)}></bt-success-donut>`);
    expect($(el, '[part=rate]').textContent).to.include('60%');
    await chartReady(el);
    const data = (el.chart!.getOption() as { series: { data: { name: string; value: number }[] }[] }).series[0].data;
    expect(data.map((d) => `${d.name}:${d.value}`)).to.deep.equal(['Completed:3', 'Failed:1', 'Cancelled:1']);
  });

  it('gives completions with warnings their own slice, still counted as successes', async () => {
    const backups = [job(), job({ warnings_count: 2 }), job({ warnings_count: 1 }), job({ status: 'failed' })];
    const el = await fixture<BtSuccessDonut>(html`<bt-success-donut .stats=${statsFor(backups)}></bt-success-donut>`);
    expect($(el, '[part=rate]').textContent).to.include('75%');
    expect($(el, '[role=img]').getAttribute('aria-label')).to.include('3 completed (2 with warnings)');
    await chartReady(el);
    const data = (el.chart!.getOption() as { series: { data: { name: string; value: number }[] }[] }).series[0].data;
    expect(data.map((d) => `${d.name}:${d.value}`)).to.deep.equal(['Completed:1', 'With warnings:2', 'Failed:1']);
  });

  it('says so when nothing has finished yet', async () => {
    const el = await fixture<BtSuccessDonut>(html`<bt-success-donut .stats=${statsFor([job({ status: 'running' })])}></bt-success-donut>`);
    expect(el.shadowRoot!.textContent).to.include('No finished backups yet');
    expect(el.chart).to.be.undefined;
  });
});

describe('bt-backup-trends', () => {
  it('plots ended backups oldest first and skips ones that never started', async () => {
    const { backups } = vmHistory();
    const el = await fixture<BtBackupTrends>(html`<bt-backup-trends .backups=${[...backups, job({ started_at: null, status: 'failed' })]}></bt-backup-trends>`);
    await chartReady(el);
    const option = el.chart!.getOption() as { xAxis: { data: string[] }[]; series: { data: unknown[] }[] };
    expect(option.xAxis[0].data).to.deep.equal(['Oct 8, 02:00', 'Oct 9, 02:00', 'Oct 10, 14:28']);
    expect(option.series[1].data).to.deep.equal([30, 10, 10]);
  });
});

describe('bt-job-progress', () => {
  it('shows a job that has not started yet without inventing numbers', async () => {
    const el = await fixture<BtJobProgress>(html`<bt-job-progress .job=${job({ status: 'pending', started_at: null, progress_percent: 0, eta_seconds: null })}></bt-job-progress>`);
    const text = el.shadowRoot!.textContent!.replace(/\s+/g, ' ');
    expect(text).to.include('Elapsed not started').and.include('ETA —').and.include('0.0%');
  });

  it("shows each disk's status, coloured by meaning, and an unknown one neutrally as sent", async () => {
    const disk = (disk_index: number, status: string) => ({ disk_index, bytes_transferred: 10, total_bytes: 100, status, progress_percent: 10 });
    const el = await fixture<BtJobProgress>(html`<bt-job-progress .job=${job({ disks: [disk(0, 'transferring'), disk(1, 'pending'), disk(2, 'failed'), disk(3, 'dedup_pass')] })}></bt-job-progress>`);
    const chips = [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part="disk-status"]')];
    expect(chips.map((c) => [c.textContent, c.classList[1]])).to.deep.equal([['transferring', 'active'], ['pending', 'waiting'], ['failed', 'error'], ['dedup_pass', 'neutral']]);
    expect(getComputedStyle(chips[0]!).color).to.not.equal(getComputedStyle(chips[3]!).color);
  });
});
