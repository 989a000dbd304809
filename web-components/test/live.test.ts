import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { io } from 'socket.io-client';
import { SERVER_EVENTS, rooms, type BackupJob } from '@backup-telemetry/contract';
import '../src/index.js';
import type { BtMachineDetails } from '../src/machine-details/machine-details.js';
import type { BtSpeedChart } from '../src/speed-chart/speed-chart.js';
import type { BtJobProgress } from '../src/job-progress/job-progress.js';
import type { BtBackupHistory } from '../src/backup-history/backup-history.js';
import { job, machine, metrics, points, statsFor, stubFetch } from './fixtures.js';
import { $, chartReady, speedSeries } from './helpers.js';
import './preload-charts.js';

const hub = {
  url: () => executeServerCommand('hub-url') as Promise<string>,
  setAck: (room: string, ack: object) => executeServerCommand('hub-set-ack', { room, ack }),
  push: (room: string, event: string, payload: object) => executeServerCommand('hub-push', { room, event, payload }) as Promise<number>,
  roomSize: (room: string) => executeServerCommand('hub-room-size', { room }) as Promise<number>,
};

/** A VM whose newest backup is running, served over REST, with the hub holding its first points. */
async function runningVm(vmName: string) {
  const running = job({ vm_name: vmName, status: 'running', progress_percent: 20, current_phase: 'transfer' });
  const done = job({ vm_name: vmName, started_at: '2024-10-08T02:00:00.000Z', performance_metrics: metrics(points(20)) });
  const seed = points(10);
  const fetches = stubFetch({
    [`/api/v1/machines/${vmName}`]: machine({ vm_name: vmName }),
    '/api/v1/backups': { backups: [running, { ...done, performance_metrics: undefined }], next_before: null },
    '/api/v1/backups/stats': statsFor([running, done]),
    [`/api/v1/telemetry/history/${running.backup_id}`]: {
      job_id: running.backup_id, job_type: 'backup', data_source: 'live_snapshots', status: 'running',
      current_state: {}, chart_data: seed.slice(0, 8),
    },
  });
  await hub.setAck(rooms.job(running.backup_id), { job: running, chart_data: seed });
  return { running, done, fetches };
}

describe('live updates over Socket.IO', () => {
  it('grows a running job\'s chart from job:update pushes, then shows the rolled-up chart on job:completed', async () => {
    const { running, fetches } = await runningVm('live-01');
    try {
      const url = await hub.url();
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="live-01" socket-url=${url} tab="performance" open></bt-machine-details>`);
      const chartEl = await waitUntil(() => $<BtSpeedChart>(el, 'bt-speed-chart'), 'speed chart shown').then(() => $<BtSpeedChart>(el, 'bt-speed-chart'));
      await waitUntil(async () => (await hub.roomSize(rooms.job(running.backup_id))) === 1, 'subscribed to the running job');
      expect(await hub.roomSize(rooms.vm('live-01'))).to.equal(1);
      await chartReady(chartEl);
      await waitUntil(() => chartEl.chart && speedSeries(chartEl).length === 10, 'chart seeded from REST history and the subscribe ack');

      const updated: BackupJob = { ...running, progress_percent: 55 };
      await hub.push(rooms.job(running.backup_id), SERVER_EVENTS.update, { job: updated, point: { t: 40, s: 321 * 1024 * 1024, p: 55, phase: 'transfer' } });
      await waitUntil(() => speedSeries(chartEl).length === 11, 'live point appended');
      expect(speedSeries(chartEl)[10], 'bytes per second drawn as MiB/s').to.deep.equal([40, 321]);

      const rolled = metrics(points(25, { speed: 140 }));
      await hub.push(rooms.vm('live-01'), SERVER_EVENTS.completed, {
        job: { ...running, status: 'completed', progress_percent: 100 },
        performance_metrics: rolled,
      });
      await waitUntil(() => el.telemetry.backups[0].status === 'completed', 'job marked completed');
      await el.updateComplete;
      const finalChart = $<BtSpeedChart>(el, 'bt-speed-chart');
      await finalChart.updateComplete;
      await waitUntil(() => finalChart.chart && speedSeries(finalChart).length === 25, 'rolled-up chart shown');
      expect(speedSeries(finalChart)[0]).to.deep.equal([0, 140]);
      el.remove();
    } finally {
      fetches.restore();
    }
  });

  it('updates live progress, warns on job:stale and shows the error of job:failed from VM pushes', async () => {
    const { running, fetches } = await runningVm('live-02');
    try {
      const url = await hub.url();
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="live-02" socket-url=${url} open></bt-machine-details>`);
      await waitUntil(async () => (await hub.roomSize(rooms.vm('live-02'))) === 1, 'subscribed to the VM');
      await hub.push(rooms.vm('live-02'), SERVER_EVENTS.update, { job: { ...running, progress_percent: 77.5 } });
      const progress = await waitUntil(() => $<BtJobProgress>(el, 'bt-job-progress')).then(() => $<BtJobProgress>(el, 'bt-job-progress'));
      await waitUntil(() => progress.shadowRoot!.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') === '77.5', 'progress updated');
      await hub.push(rooms.vm('live-02'), SERVER_EVENTS.stale, { job: { ...running, progress_percent: 77.5 }, silent_seconds: 300, message: 'No telemetry for 5 minutes' });
      await waitUntil(() => progress.shadowRoot!.querySelector('.stale')?.textContent === 'No telemetry for 5 minutes', 'stale warning shown');
      await hub.push(rooms.vm('live-02'), SERVER_EVENTS.failed, {
        job: { ...running, status: 'failed', error_message: 'Disk 1 read error' },
        performance_metrics: null,
      });
      const history = $<BtBackupHistory>(el, 'bt-backup-history');
      await waitUntil(() => history.shadowRoot!.querySelector('[part=error]')?.textContent?.includes('Disk 1 read error'), 'failed job shows its error');
      el.remove();
    } finally {
      fetches.restore();
    }
  });

  it('leaves a running job\'s room when the Performance tab switches to another backup, and rejoins on the way back', async () => {
    const { running, done, fetches } = await runningVm('live-06');
    try {
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="live-06" socket-url=${await hub.url()} tab="performance" open></bt-machine-details>`);
      const jobRoom = rooms.job(running.backup_id);
      await waitUntil(async () => (await hub.roomSize(jobRoom)) === 1, 'subscribed to the running job');
      const pick = async (id: string) => {
        const select = $<HTMLSelectElement>(el, '#job-select');
        select.value = id;
        select.dispatchEvent(new Event('change'));
        await el.updateComplete;
      };
      await pick(done.backup_id);
      await waitUntil(async () => (await hub.roomSize(jobRoom)) === 0, 'left the first job\'s room');
      expect(await hub.roomSize(rooms.vm('live-06')), 'still follows the VM').to.equal(1);
      await pick(running.backup_id);
      await waitUntil(async () => (await hub.roomSize(jobRoom)) === 1, 'rejoined the running job');
      el.remove();
    } finally {
      fetches.restore();
    }
  });

  it('unsubscribes and closes its socket when removed from the page', async () => {
    const { running, fetches } = await runningVm('live-03');
    try {
      const url = await hub.url();
      const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name="live-03" socket-url=${url} tab="performance" open></bt-machine-details>`);
      await waitUntil(async () => (await hub.roomSize(rooms.job(running.backup_id))) === 1, 'subscribed');
      el.remove();
      await waitUntil(async () => (await hub.roomSize(rooms.job(running.backup_id))) === 0 && (await hub.roomSize(rooms.vm('live-03'))) === 0, 'left every room');
      expect(el.telemetry.isLive).to.be.false;
    } finally {
      fetches.restore();
    }
  });

  it('uses a socket the page already has, and leaves it open when removed', async () => {
    const running = job({ vm_name: 'live-04', status: 'running', progress_percent: 10 });
    await hub.setAck(rooms.job(running.backup_id), { job: running });
    const socket = io(`${await hub.url()}/telemetry`, { transports: ['websocket'] });
    try {
      const el = await fixture<BtJobProgress>(html`<bt-job-progress .job=${running} job-id=${running.backup_id} .socket=${socket}></bt-job-progress>`);
      await waitUntil(async () => (await hub.roomSize(rooms.job(running.backup_id))) === 1, 'subscribed on the shared socket');
      el.remove();
      await waitUntil(async () => (await hub.roomSize(rooms.job(running.backup_id))) === 0, 'unsubscribed');
      expect(socket.connected).to.be.true;
    } finally {
      socket.disconnect();
    }
  });

  it('a standalone speed chart loads a job and follows it live by job-id', async () => {
    const running = job({ vm_name: 'live-05', status: 'running' });
    const fetches = stubFetch({
      [`/api/v1/telemetry/history/${running.backup_id}`]: { job_id: running.backup_id, job_type: 'backup', data_source: 'live_snapshots', status: 'running', current_state: {}, chart_data: points(5) },
    });
    try {
      const el = await fixture<BtSpeedChart>(html`<bt-speed-chart job-id=${running.backup_id} socket-url=${await hub.url()}></bt-speed-chart>`);
      await chartReady(el);
      await waitUntil(async () => (await hub.roomSize(rooms.job(running.backup_id))) === 1, 'subscribed');
      await hub.push(rooms.job(running.backup_id), SERVER_EVENTS.update, { job: running, point: { t: 100, s: 42 * 1024 * 1024, p: 50, phase: 'transfer' } });
      await waitUntil(() => speedSeries(el).length === 6, 'point appended');
      el.remove();
    } finally {
      fetches.restore();
    }
  });
});
