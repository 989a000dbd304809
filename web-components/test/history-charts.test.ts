import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { BackupJob } from '@backup-telemetry/contract';
import '../src/index.js';
import type { BtSizeDistribution } from '../src/size-distribution/size-distribution.js';
import type { BtJobTimeline } from '../src/job-timeline/job-timeline.js';
import type { BtWeekOverWeek } from '../src/week-over-week/week-over-week.js';
import type { BtMachineDetails } from '../src/machine-details/machine-details.js';
import { sizeHistogram } from '../src/size-distribution/size-bins.js';
import { timeline } from '../src/job-timeline/timeline-rows.js';
import { change, splitWeeks, weekChanges, WEEK_MS } from '../src/week-over-week/week-compare.js';
import { at, job } from './fixtures.js';
import { $, $$, chartReady } from './helpers.js';
import './preload-charts.js';

const GIB = 1024 ** 3;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sized = (type: BackupJob['type'], gib: number, status: BackupJob['status'] = 'completed') => job({ type, status, bytes_transferred: gib * GIB });
/** A job that ran from `start_ms` for `hours`, created at its start. */
const ran = (start_ms: number, hours: number, overrides: Partial<BackupJob> = {}) => {
  const started_at = new Date(start_ms).toISOString();
  return job({ created_at: started_at, started_at, completed_at: new Date(start_ms + hours * HOUR).toISOString(), duration_seconds: hours * 3600, ...overrides });
};

describe('size bins', () => {
  it('counts full and incremental backups on shared round GiB bins when sizes are close', () => {
    const h = sizeHistogram([sized('full', 10), sized('full', 20), sized('full', 20), sized('incremental', 12), sized('incremental', 12.5), sized('full', 3, 'failed')]);
    expect(h.scale).to.equal('linear');
    expect(h.total, 'the failed job moved a partial size and is not counted').to.equal(5);
    expect(h.bins.map((b) => b.lower_bytes / GIB)).to.deep.equal([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(h.bins.map((b) => b.full)).to.deep.equal([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(h.bins.map((b) => b.incremental)).to.deep.equal([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('doubles the bins when fulls dwarf incrementals, so both stay visible', () => {
    const h = sizeHistogram([sized('incremental', 1), sized('incremental', 1.5), sized('incremental', 3), sized('full', 64), sized('full', 70)]);
    expect(h.scale).to.equal('log');
    expect(h.bins.map((b) => b.lower_bytes / GIB)).to.deep.equal([1, 2, 4, 8, 16, 32, 64]);
    expect(h.bins.map((b) => b.incremental)).to.deep.equal([2, 1, 0, 0, 0, 0, 0]);
    expect(h.bins.map((b) => b.full)).to.deep.equal([0, 0, 0, 0, 0, 0, 2]);
  });

  it('has no bins without a completed backup', () => {
    expect(sizeHistogram([sized('full', 5, 'failed')])).to.deep.equal({ scale: 'linear', bins: [], total: 0 });
  });
});

describe('timeline rows', () => {
  const local = (day: number, hour: number, minute = 0) => new Date(2024, 9, day, hour, minute).getTime();

  it('puts each job on its local day by hour, splits one that crosses midnight and extends a running one to now', () => {
    const night = ran(local(10, 23), 2.5);
    const running = job({ status: 'running', started_at: new Date(local(13, 14)).toISOString(), completed_at: null, created_at: new Date(local(13, 14)).toISOString() });
    const never = job({ status: 'pending', started_at: null });
    const t = timeline([running, night, never], local(13, 15, 30));
    expect(t.days).to.deep.equal(['2024-10-10', '2024-10-11', '2024-10-12', '2024-10-13']);
    expect(t.bars.map((b) => [b.day, b.start_hour, b.end_hour, b.outcome, b.continues])).to.deep.equal([
      [0, 23, 24, 'completed', true],
      [1, 0, 1.5, 'completed', false],
      [3, 14, 15.5, 'running', false],
    ]);
    expect(t.jobs, 'a job that never started has no bar').to.have.length(2);
  });

  it('draws only jobs that started since the range began', () => {
    const t = timeline([ran(local(1, 2), 1), ran(local(10, 2), 1)], local(10, 12), local(5, 0));
    expect(t.days).to.deep.equal(['2024-10-10']);
  });
});

describe('week split and changes', () => {
  const now = Date.UTC(2024, 9, 20, 12);
  const weekOf = (days_ago: number, hours: number, overrides: Partial<BackupJob> = {}) => ran(now - days_ago * DAY, hours, { bytes_transferred: 10 * GIB, ...overrides });

  it('compares the last 7 days with the 7 before, in words whose meaning does not hang on colour', () => {
    const jobs = [
      weekOf(1, 1.2), weekOf(2, 1.2), weekOf(3, 0.6, { status: 'failed', bytes_transferred: 2 * GIB }),
      weekOf(8, 1), weekOf(9, 1), weekOf(10, 1), weekOf(11, 1), weekOf(15, 1),
    ];
    const split = splitWeeks(jobs, now);
    expect(split.current_from_ms).to.equal(now - WEEK_MS);
    expect([split.current.jobs, split.previous.jobs], 'the job 15 days ago is in neither week').to.deep.equal([3, 4]);
    const words = Object.fromEntries(weekChanges(split).map((c) => [c.metric, [c.words, c.direction, c.tone]]));
    expect(words).to.deep.equal({
      jobs: ['down 1 job', 'down', 'neutral'],
      success_rate: ['down 33.3 points, worse', 'down', 'bad'],
      data: ['down 45 %', 'down', 'neutral'],
      duration: ['up 20 %, slower', 'up', 'bad'],
      speed: ['down 17 %, slower', 'down', 'bad'],
    });
  });

  it('says "no data last week" when the previous week is empty, and "no change" when nothing moved', () => {
    const words = weekChanges(splitWeeks([weekOf(1, 1), weekOf(2, 1)], now)).map((c) => c.words);
    expect(words).to.deep.equal(['up 2 jobs', 'no data last week', 'no data last week', 'no data last week', 'no data last week']);
    expect(change('speed', 100, 100).words).to.equal('no change');
    expect(change('duration', 80, 100)).to.include({ words: 'down 20 %, faster', tone: 'good' });
  });
});

describe('bt-size-distribution', () => {
  it('draws the two types as two series on the bins and lists them in a table', async () => {
    const backups = [sized('full', 10), sized('full', 20), sized('incremental', 12)];
    const el = await fixture<BtSizeDistribution>(html`<bt-size-distribution style="width:600px" .backups=${backups}></bt-size-distribution>`);
    const chart = await chartReady(el);
    const series = (chart.getOption() as { series: { name: string; data: number[] }[] }).series;
    expect(series.map((s) => [s.name, s.data.reduce((a, b) => a + b, 0)])).to.deep.equal([['Full', 2], ['Incremental', 1]]);
    expect($(el, '[part=chart]').getAttribute('aria-label')).to.include('3 completed backups (2 full, 1 incremental)');
    const rows = $$(el, 'tbody tr').map((r) => [...r.children].map((c) => c.textContent).join(' | '));
    expect(rows[0]).to.equal('10.0 GiB – 11.0 GiB | 1 | 0');
    expect(rows[2]).to.equal('12.0 GiB – 13.0 GiB | 0 | 1');
  });

  it('says so when there is no completed backup', async () => {
    const el = await fixture<BtSizeDistribution>(html`<bt-size-distribution .backups=${[sized('full', 1, 'failed')]}></bt-size-distribution>`);
    expect($(el, '[part=state]').textContent).to.equal('No completed backups to show sizes for');
  });
});

describe('bt-job-timeline', () => {
  const now = new Date(2024, 9, 20, 12).getTime();
  const evil = '<img src=x onerror="window.__timelinePwned=1">';

  it('draws a bar per job and names each outcome in the table, a client\'s error message as text', async () => {
    const backups = [
      ran(now - 3 * DAY, 1),
      ran(now - 2 * DAY, 0.5, { status: 'failed', error_message: evil }),
      ran(now - DAY, 1, { status: 'cancelled' }),
      job({ status: 'running', started_at: new Date(now - HOUR).toISOString(), completed_at: null }),
    ];
    const el = await fixture<BtJobTimeline>(html`<bt-job-timeline style="width:700px" .backups=${backups} .now=${now}></bt-job-timeline>`);
    const chart = await chartReady(el);
    const option = chart.getOption() as { series: { data: unknown[] }[]; yAxis: { data: string[] }[] };
    expect(option.series[0].data).to.have.length(4);
    expect(option.yAxis[0].data).to.have.length(4);
    expect($(el, '[part=chart]').getAttribute('aria-label')).to.equal('Timeline of 4 backups over 4 days: 1 completed, 1 failed, 1 cancelled, 1 running');
    const details = $<HTMLDetailsElement>(el, 'details');
    $(el, 'summary').focus(); // a native disclosure: in the tab order, opened with Enter
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => details.open && el.shadowRoot!.querySelector('table'), 'table shown');
    const statuses = $$(el, 'tbody tr').map((r) => r.children[4].textContent);
    expect(statuses).to.deep.equal(['Running', 'Cancelled', 'Failed', 'Completed']);
    expect($$(el, 'td.error')[2].textContent).to.equal(evil);
    expect(el.shadowRoot!.querySelector('img')).to.be.null;

    chart.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 1 });
    const container = $(el, '.chart');
    await waitUntil(() => container.textContent!.includes('Error:'), 'tooltip shown');
    expect(container.textContent).to.include(`Error: ${evil}`);
    expect(container.textContent).to.include('Status: Failed');
    expect(container.querySelector('img')).to.be.null;
    await new Promise((r) => setTimeout(r, 50));
    expect((window as unknown as { __timelinePwned?: number }).__timelinePwned).to.be.undefined;
  });

  it('says when older backups exist that were not loaded and the drawn days start after the range', async () => {
    const el = await fixture<BtJobTimeline>(html`<bt-job-timeline .backups=${[ran(now - 2 * DAY, 1)]} .now=${now} has-older></bt-job-timeline>`);
    expect($(el, '.note').textContent).to.match(/^Older backups are not loaded: the timeline starts \w{3}, Oct 18\.$/);
    el.hasOlder = false;
    await el.updateComplete;
    expect($(el, '.note')).to.be.null;
  });

  it('keeps 30 days readable: 14 day rows in view, newest last, the rest one scroll away', async () => {
    const backups = Array.from({ length: 30 }, (_, i) => ran(now - i * DAY - 10 * HOUR, 1));
    const el = await fixture<BtJobTimeline>(html`<bt-job-timeline style="width:700px" .backups=${backups} .now=${now}></bt-job-timeline>`);
    const chart = await chartReady(el);
    const option = chart.getOption() as { dataZoom: { type: string; startValue: number; endValue: number }[]; yAxis: { data: string[] }[] };
    expect(option.yAxis[0].data).to.have.length(30);
    const slider = option.dataZoom.find((z) => z.type === 'slider')!;
    expect([slider.startValue, slider.endValue]).to.deep.equal([16, 29]);
  });
});

describe('bt-week-over-week', () => {
  const now = Date.UTC(2024, 9, 20, 12);
  const weekOf = (days_ago: number, overrides: Partial<BackupJob> = {}) => ran(now - days_ago * DAY, 1, { bytes_transferred: 10 * GIB, ...overrides });
  const changeOf = (el: Element, metric: string) => {
    const cell = el.shadowRoot!.querySelector(`tr[data-metric=${metric}] [part=change]`)!;
    return { words: cell.querySelector('.words')!.textContent, arrow: cell.querySelector('.arrow')!.textContent, tone: cell.className.replace('change', '').trim() };
  };

  it('shows each change in words with an arrow and a colour that agree', async () => {
    const backups = [weekOf(1), weekOf(2, { status: 'failed' }), weekOf(8), weekOf(9)];
    const el = await fixture<BtWeekOverWeek>(html`<bt-week-over-week .backups=${backups} .now=${now}></bt-week-over-week>`);
    expect(changeOf(el, 'jobs')).to.deep.equal({ words: 'no change', arrow: '=', tone: 'neutral' });
    expect(changeOf(el, 'success_rate')).to.deep.equal({ words: 'down 50 points, worse', arrow: '▼', tone: 'bad' });
    const bad = getComputedStyle(el.shadowRoot!.querySelector('tr[data-metric=success_rate] [part=change]')!).color;
    const plain = getComputedStyle(el.shadowRoot!.querySelector('tr[data-metric=jobs] [part=change]')!).color;
    expect(bad).to.not.equal(plain);
    expect(el.shadowRoot!.querySelector('[aria-hidden=true]')!.textContent, 'the arrow is decoration; the words carry it').to.equal('=');
  });

  it('says "no data last week" for an empty previous week, and "No backups" for two empty weeks', async () => {
    const el = await fixture<BtWeekOverWeek>(html`<bt-week-over-week .backups=${[weekOf(1)]} .now=${now}></bt-week-over-week>`);
    expect(changeOf(el, 'jobs').words).to.equal('up 1 job');
    expect(changeOf(el, 'duration').words).to.equal('no data last week');
    el.backups = [weekOf(20)];
    await el.updateComplete;
    expect($(el, '[part=state]').textContent).to.equal('No backups in the last 14 days');
  });

  it('warns when older backups exist that were not loaded and the loaded ones do not cover 14 days', async () => {
    const el = await fixture<BtWeekOverWeek>(html`<bt-week-over-week .backups=${[weekOf(1)]} .now=${now} has-older></bt-week-over-week>`);
    expect($(el, '.note').textContent).to.include('last week may be incomplete');
  });
});

describe('history charts against a real hub', () => {
  const API = '/real-hub-history/api/v1';
  const cmd = <T>(command: string, payload?: unknown) => executeServerCommand(command, payload as never) as Promise<T>;

  it('shows two weeks of a VM imported into the real plugin on Performance and Analytics', async function () {
    this.timeout(60_000);
    const vm = `charts-<b>-${Date.now()}`;
    const jobs = [
      ...[1, 2, 3].map((d) => ({ vm_name: vm, backup_type: 'incremental', status: 'completed', started_ago_ms: d * DAY, duration_ms: HOUR, bytes_transferred: 2 * GIB })),
      { vm_name: vm, backup_type: 'full', status: 'failed', started_ago_ms: 4 * DAY, duration_ms: HOUR / 2, bytes_transferred: GIB, error_message: '<img src=x onerror="window.__hubPwned=1"> NBD reset' },
      ...[8, 9].map((d) => ({ vm_name: vm, backup_type: 'full', status: 'completed', started_ago_ms: d * DAY, duration_ms: 2 * HOUR, bytes_transferred: 64 * GIB })),
    ];
    const { imported, now } = await cmd<{ imported: number; now: number }>('real-hub-import', { jobs });
    expect(imported).to.equal(6);

    const el = await fixture<BtMachineDetails>(html`<bt-machine-details style="width:1100px" api-base=${API} vm-name=${vm} tab="performance" open></bt-machine-details>`);
    await waitUntil(() => el.shadowRoot!.querySelector('bt-job-timeline'), 'performance tab loaded', { timeout: 20_000 });
    const timelineEl = $<BtJobTimeline>(el, 'bt-job-timeline');
    timelineEl.now = now;
    await chartReady(timelineEl, 'timeline drawn', 20_000);
    $(timelineEl, 'summary').click();
    await waitUntil(() => $$(timelineEl, 'td.error').some((td) => td.textContent!.includes('NBD reset')), 'error text in the table');
    expect(timelineEl.shadowRoot!.querySelector('img'), 'the error message is text').to.be.null;
    expect(timelineEl.timeline.jobs.map((j) => j.status).sort()).to.deep.equal(['completed', 'completed', 'completed', 'completed', 'completed', 'failed']);
    const sizes = $<BtSizeDistribution>(el, 'bt-size-distribution');
    await chartReady(sizes, 'sizes drawn', 20_000);
    expect(sizes.histogram.scale).to.equal('log');
    expect(sizes.histogram.bins.map((b) => [b.full, b.incremental]).filter(([f, i]) => f + i > 0)).to.deep.equal([[0, 3], [2, 0]]);

    el.tab = 'analytics';
    await waitUntil(() => el.shadowRoot!.querySelector('bt-week-over-week'), 'analytics tab shown');
    const wow = $<BtWeekOverWeek>(el, 'bt-week-over-week');
    wow.now = now;
    await wow.updateComplete;
    expect(wow.changes.map((c) => c.words)).to.deep.equal(['up 2 jobs', 'down 25 points, worse', 'down 95 %', 'down 50 %, faster', 'down 94 %, slower']);
    expect($(el, '[part=header]').textContent).to.include(vm);
    expect(el.shadowRoot!.querySelector('[part=header] b'), 'the VM name is text').to.be.null;
    expect((window as unknown as { __hubPwned?: number }).__hubPwned).to.be.undefined;
    el.open = false;
  });
});
