import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../src/index.js';
import type { BtBackupHistory } from '../src/backup-history/backup-history.js';
import type { BtSuccessDonut } from '../src/success-donut/success-donut.js';
import type { BtBackupTrends } from '../src/backup-trends/backup-trends.js';
import type { BtJobProgress } from '../src/job-progress/job-progress.js';
import { job, statsFor, stubFetch, vmHistory } from './fixtures.js';
import { $, $$, chartReady } from './helpers.js';

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
});
