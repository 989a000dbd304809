import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../src/index.js';
import type { JobAnomaly, MachineInsight } from '@backup-telemetry/contract';
import type { BtBackupHistory } from '../src/backup-history/backup-history.js';
import type { BtMachineDetails } from '../src/machine-details/machine-details.js';
import type { BtStageChart } from '../src/stage-chart/stage-chart.js';
import { job, machine, metrics, points, statsFor, stubFetch } from './fixtures.js';
import { $, $$ } from './helpers.js';

const GIB = 1024 ** 3;

const spike: JobAnomaly = {
  metric: 'bytes_transferred', direction: 'high', value: 100 * GIB, baseline: 10 * GIB, ratio: 10, jobs: 8, severity: 'critical',
  message: '10× the usual size for an incremental (100 GiB; usually 10.0 GiB)',
};
const hostile: JobAnomaly = { ...spike, metric: 'duration_seconds', severity: 'warning', message: '<img src=x onerror="window.pwned=1">3.1× the usual duration' };

/** Points whose every other one carries stage busy percents, the network busiest. */
function stagedPoints() {
  return points(10).map((p, i) => (i % 2 ? p : { ...p, b: [20, 10, 80 + (i % 3), 30] as [number, number, number, number] }));
}

async function modal(backups = [job({ anomalies: [spike] })], insight: MachineInsight | null = null) {
  const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" .machine=${machine()} .backups=${backups} .stats=${statsFor(backups)} .insight=${insight} open></bt-machine-details>`);
  await el.updateComplete;
  return el;
}

describe('anomalies in the history table', () => {
  it('flags an unusual job beside its status and lists each finding with its numbers under its row', async () => {
    const normal = job();
    const flagged = job({ anomalies: [spike, hostile] });
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${[flagged, normal]}></bt-backup-history>`);
    const rows = $$(el, 'tr.job');
    expect(rows[0].querySelector('.flag')?.textContent).to.include('Unusual');
    expect(rows[0].querySelector('.flag')?.classList.contains('critical')).to.be.true;
    expect(rows[1].querySelector('.flag')).to.equal(null);
    const notes = $$(el, '[part=anomaly]');
    expect(notes).to.have.length(2);
    expect(notes[0].textContent).to.include('10× the usual size for an incremental (100 GiB; usually 10.0 GiB)');
    expect(notes[0].classList.contains('critical')).to.be.true;
    expect(notes[1].classList.contains('warning')).to.be.true;
    expect($$(el, 'tr.anomaly-row')).to.have.length(1);
  });

  it('shows a finding\'s message as text, never as markup', async () => {
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${[job({ anomalies: [hostile] })]}></bt-backup-history>`);
    const note = $(el, '[part=anomaly]');
    expect(note.querySelector('img')).to.equal(null);
    expect(note.textContent).to.include('<img src=x onerror="window.pwned=1">');
    expect((window as { pwned?: number }).pwned).to.equal(undefined);
  });
});

describe('the Performance tab', () => {
  it('lists the selected job\'s anomalies, names its bottleneck and charts the stages', async () => {
    const chart = stagedPoints();
    const el = await modal([job({ anomalies: [spike], performance_metrics: metrics(chart, { bottleneck: { stage: 'network', busy_percent: { source: 20, proxy: 10, network: 81, target: 30 }, samples: 5 } }) })]);
    el.tab = 'performance';
    await el.updateComplete;
    expect($(el, '[part=anomaly]').textContent).to.include('10× the usual size for an incremental');
    const line = $(el, '[part=bottleneck]').textContent!.replace(/\s+/g, ' ');
    expect(line).to.include('Bottleneck: Network').and.include('Source 20% · Proxy 10% · Network 81% · Target 30%');
    const stages = $<BtStageChart>(el, 'bt-stage-chart');
    await waitUntil(() => stages.shadowRoot!.querySelector('polyline'), 'stage chart drawn');
    const lines = [...stages.shadowRoot!.querySelectorAll('polyline')];
    expect(lines.map((l) => l.dataset.stage)).to.deep.equal(['source', 'proxy', 'network', 'target']);
    expect(lines[2].getAttribute('points')!.split(' ')).to.have.length(5, 'one vertex per point that carried stages');
  });

  it('shows nothing extra for a job whose client never reported stages', async () => {
    const el = await modal([job({ performance_metrics: metrics(points(10)) })]);
    el.tab = 'performance';
    await el.updateComplete;
    expect($(el, '[part=bottleneck]')).to.equal(null);
    expect($(el, '[part=anomalies]')).to.equal(null);
    const stages = $<BtStageChart>(el, 'bt-stage-chart');
    await stages.updateComplete;
    expect(stages.shadowRoot!.querySelector('svg')).to.equal(null);
  });
});

describe('early warnings on Analytics', () => {
  const insight: MachineInsight = {
    vm_name: 'web-01', anomalies: [],
    warnings: [
      { kind: 'window_overrun', severity: 'warning', backup_type: 'full', numbers: { days_left: 9, window_hours: 4 }, message: 'at this growth the 02:00 full job overruns its 4 h window in about 9 days (now about 3h10m0s, growing 5m0s a day)' },
      { kind: 'failures_in_row', severity: 'critical', backup_type: null, numbers: { failures: 4 }, message: 'the last 4 jobs failed in a row' },
    ],
  };

  it('lists each warning with its numbers', async () => {
    const el = await modal([job()], insight);
    el.tab = 'analytics';
    await el.updateComplete;
    const notes = $$(el, '[part=warning]');
    expect(notes.map((n) => n.dataset.kind)).to.deep.equal(['window_overrun', 'failures_in_row']);
    expect(notes[0].textContent).to.include('At this growth the 02:00 full job overruns its 4 h window in about 9 days');
    expect(notes[1].classList.contains('critical')).to.be.true;
  });

  it('says there is nothing to warn of', async () => {
    const el = await modal([job()], { vm_name: 'web-01', anomalies: [], warnings: [] });
    el.tab = 'analytics';
    await el.updateComplete;
    expect($(el, '[part=no-warnings]').textContent).to.include('No early warnings');
  });

  it('loads the VM\'s insight from the hub', async () => {
    const backups = [job()];
    const hub = stubFetch({
      '/hub/api/machines/web-01/insight': insight,
      '/hub/api/machines/web-01': machine(),
      '/hub/api/backups/stats': statsFor(backups),
      '/hub/api/backups': { backups, next_before: null },
    });
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="web-01" api-base="/hub/api" tab="analytics" open></bt-machine-details>`);
      await waitUntil(() => el.shadowRoot!.querySelector('[part=warning]'), 'warnings shown');
      expect(hub.requests).to.include('/hub/api/machines/web-01/insight');
      expect($$(el, '[part=warning]')).to.have.length(2);
    } finally {
      hub.restore();
    }
  });
});

describe('the stage chart of a running job', () => {
  it('grows from live job:update points that carry stage busy percents', async () => {
    const { executeServerCommand } = await import('@web/test-runner-commands');
    const { SERVER_EVENTS, rooms } = await import('@backup-telemetry/contract');
    const vmName = 'stages-live-01';
    const running = job({ vm_name: vmName, status: 'running', progress_percent: 20, current_phase: 'transfer' });
    const seed = stagedPoints();
    const fetches = stubFetch({
      [`/api/v1/machines/${vmName}`]: machine({ vm_name: vmName }),
      '/api/v1/backups': { backups: [running], next_before: null },
      '/api/v1/backups/stats': statsFor([running]),
      [`/api/v1/telemetry/history/${running.backup_id}`]: { job_id: running.backup_id, job_type: 'backup', data_source: 'live_snapshots', status: 'running', current_state: {}, chart_data: seed },
    });
    try {
      await executeServerCommand('hub-set-ack', { room: rooms.job(running.backup_id), ack: { job: running, chart_data: seed } });
      const url = (await executeServerCommand('hub-url')) as string;
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name=${vmName} socket-url=${url} tab="performance" open></bt-machine-details>`);
      const vertices = () => el.shadowRoot!.querySelector('bt-stage-chart')?.shadowRoot?.querySelector('polyline[data-stage=network]')?.getAttribute('points')?.split(' ').length ?? 0;
      await waitUntil(() => vertices() === 5, 'seeded stage chart');
      await waitUntil(async () => (await executeServerCommand('hub-room-size', { room: rooms.job(running.backup_id) })) === 1, 'subscribed');
      await executeServerCommand('hub-push', { room: rooms.job(running.backup_id), event: SERVER_EVENTS.update, payload: { job: running, point: { t: 100, s: 1024, p: 30, phase: 'transfer', b: [10, 5, 95, 20] } } });
      await waitUntil(() => vertices() === 6, 'live stage point drawn');
      expect($(el, '[part=bottleneck]').textContent, 'named from the live points so far').to.include('Bottleneck: Network');
    } finally {
      fetches.restore();
    }
  });
});
