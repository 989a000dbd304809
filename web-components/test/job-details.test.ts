import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { BtJobDetails } from '../src/job-details/job-details.js';
import type { BtMachineDetails } from '../src/machine-details/machine-details.js';
import type { BtBackupHistory } from '../src/backup-history/backup-history.js';
import { job, machine, statsFor, stubFetch } from './fixtures.js';
import { $, $$ } from './helpers.js';

/** The real plugin's second hub, so these VMs stay out of the 250-VM fleet the fleet tests count. */
const realHub = {
  url: () => executeServerCommand('real-hub-url', { history: true }) as Promise<string>,
  startJob: (vm_name: string) => executeServerCommand('real-hub-start-job', { vm_name, history: true }) as Promise<string>,
  update: (job_id: string, update: object) => executeServerCommand('real-hub-update', { job_id, update, history: true }),
};
const API = '/real-hub-history/api/v1';

const entries = (details: BtJobDetails) => $$(details, '[part=entry]').map((li) => `${li.dataset.source}/${li.dataset.level}: ${li.querySelector('.message')!.textContent}`);

describe('bt-job-details', () => {
  it('lists the technical facts and the client\'s details, client text as text', async () => {
    const el = await fixture<BtJobDetails>(html`<bt-job-details .job=${job({
      backup_id: 'job-facts-1', repository_path: '/srv/restic', status: 'failed', error_message: '<img src=x onerror=alert(1)> disk full',
      details: { snapshot_id: '4f2a9c1e', files_new: 12, files_changed: 3, client_version: 'agent 2.4.1' },
    })} .log=${{ status: 'ready', entries: [], total_count: 0, dropped_count: 0 }}></bt-job-details>`);
    const facts = Object.fromEntries($$(el, 'dt').map((dt) => [dt.textContent, (dt.nextElementSibling as HTMLElement).textContent]));
    expect(facts['Job id']).to.equal('job-facts-1');
    expect(facts['Repository path']).to.equal('/srv/restic');
    expect(facts.snapshot_id).to.equal('4f2a9c1e');
    expect(facts.files_new).to.equal('12');
    expect(facts.client_version).to.equal('agent 2.4.1');
    expect($(el, '[part=error]').textContent).to.include('<img src=x onerror=alert(1)> disk full');
    expect(el.shadowRoot!.querySelector('img'), 'markup in an error is text').to.equal(null);
    expect(el.shadowRoot!.textContent).to.include('No log entries');
  });
});

describe('backup details in the modal', () => {
  it('says why the log could not be loaded, and asks the hub once, not on every render', async () => {
    const done = job({ vm_name: 'details-stub' });
    const fetches = stubFetch({
      '/api/v1/machines/details-stub': machine({ vm_name: 'details-stub' }),
      '/api/v1/backups': { backups: [done], next_before: null },
      '/api/v1/backups/stats': statsFor([done]),
      [`/api/v1/backups/${done.backup_id}/log`]: () => new Response(JSON.stringify({ error: { status: 503, code: 'database_unavailable', message: 'the telemetry database is unavailable' } }), { status: 503 }),
    });
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="details-stub" tab="performance" open></bt-machine-details>`);
      const details = await waitUntil(() => $<BtJobDetails>(el, 'bt-job-details'), 'details shown').then(() => $<BtJobDetails>(el, 'bt-job-details'));
      await waitUntil(() => details.shadowRoot!.textContent!.includes('Could not load the session log: the telemetry database is unavailable'), 'error shown');
      for (let i = 0; i < 3; i++) {
        el.requestUpdate();
        await el.updateComplete;
      }
      expect(fetches.requests.filter((r) => r.includes('/log')).length).to.equal(1);
      el.remove();
    } finally {
      fetches.restore();
    }
  });
});

describe('backup details in the modal, against the real hub', () => {
  it('shows a running job\'s log with the hub\'s steps and the client\'s lines, live, and its end with warnings', async () => {
    const vm = `details-${Date.now()}`;
    const id = await realHub.startJob(vm);
    const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name=${vm} api-base=${API} socket-url=${await realHub.url()} tab="performance" open></bt-machine-details>`);
    const details = await waitUntil(() => $<BtJobDetails>(el, 'bt-job-details'), 'details panel shown', { timeout: 10_000 }).then(() => $<BtJobDetails>(el, 'bt-job-details'));
    await waitUntil(() => entries(details).length >= 2, 'log loaded', { timeout: 10_000 });
    expect(entries(details).slice(0, 2)).to.deep.equal([
      `hub/info: Registered: incremental backup of ${vm} to repository repo-a`,
      'hub/info: Phase: transferring',
    ]);

    // Pushed live (job:log to the job's room) once the modal follows the running job.
    await waitUntil(async () => {
      await realHub.update(id, { bytes_transferred: 200, log: [{ level: 'warning', message: 'open /srv/locked.db: permission denied <b>x</b>' }] });
      return entries(details).some((e) => e.startsWith('client/warning'));
    }, 'client line pushed live', { timeout: 10_000, interval: 500 });
    const line = $$(details, '[part=entry][data-source=client]')[0]!;
    expect(line.querySelector('.message')!.textContent).to.equal('open /srv/locked.db: permission denied <b>x</b>');
    expect(line.querySelector('b'), 'a client line is text').to.equal(null);

    await realHub.update(id, { status: 'completed', bytes_transferred: 4096, warnings_count: 2 });
    await waitUntil(() => entries(details).at(-1) === 'hub/warning: Completed with 2 warnings', 'the end pushed live', { timeout: 10_000 });
    await waitUntil(() => details.shadowRoot!.querySelector('.warnings')?.textContent === 'Completed with 2 warnings', 'warnings shown', { timeout: 10_000 });
    el.tab = 'summary';
    await el.updateComplete;
    const history = $<BtBackupHistory>(el, 'bt-backup-history');
    await history.updateComplete;
    expect($(history, '.status').textContent!.trim()).to.equal('Completed · 2 warnings');
    el.remove();
  });
});
