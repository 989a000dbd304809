import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../src/speed-chart/speed-chart.js';
import type { BtSpeedChart } from '../src/speed-chart/speed-chart.js';
import type { ChartPoint } from '@backup-telemetry/contract';
import { metrics, points } from './fixtures.js';
import { chartReady, speedSeries } from './helpers.js';
import './preload-charts.js';

type Option = { series: { id: string; color: string; markArea: { data: [{ name: string; xAxis: number }, { xAxis: number }][] } }[] };
const option = (el: BtSpeedChart) => el.chart!.getOption() as unknown as Option;


const MIB = 1024 * 1024;
const nextFrames = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));

/** `n` points one second apart, speed wobbling around 100 MiB/s, one peak of 900 and one dip to 3 MiB/s. */
function longJob(n: number, peakAt: number, dipAt: number): ChartPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    t: i,
    s: (i === peakAt ? 900 : i === dipAt ? 3 : 100 + 20 * Math.sin(i / 40)) * MIB,
    p: Math.round((i / n) * 1000) / 10,
    phase: 'transfer',
  }));
}

describe('bt-speed-chart', () => {
  it('draws speed and progress against elapsed time with the phases marked', async () => {
    const data = metrics(points(30, { phases: ['snapshot', 'transfer', 'finalize'] }));
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${data.chart_data} .phases=${data.phases}></bt-speed-chart>`);
    await chartReady(el);
    expect(speedSeries(el)).to.have.length(30);
    const areas = option(el).series[0].markArea.data;
    expect(areas.map(([from]) => from.name)).to.deep.equal(['snapshot', 'transfer', 'finalize']);
    expect(areas.map(([from, to]) => [from.xAxis, to.xAxis])).to.deep.equal([[0, 20], [20, 40], [40, 58]]);
  });

  it('appends a live point to the drawn chart on the next frame and extends the phases', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${points(10)} live></bt-speed-chart>`);
    await chartReady(el);
    expect(el.appendPoint({ t: 20, s: 250 * MIB, p: 55, phase: 'verify' })).to.be.true;
    expect(el.appendPoint({ t: 20, s: 1, p: 1, phase: 'verify' }), 'a repeated timestamp is ignored').to.be.false;
    await nextFrames();
    const series = speedSeries(el);
    expect(series).to.have.length(11);
    expect(series[10], 'bytes per second drawn as MiB/s').to.deep.equal([20, 250]);
    expect(option(el).series[0].markArea.data.map(([from]) => from.name)).to.deep.equal(['snapshot', 'transfer', 'finalize', 'verify']);
    expect(el.shadowRoot!.textContent).to.include('Live');
  });

  it('redraws a burst of 1,000 live points in a few chart updates, the newest drawn and every point exported', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${points(10)} live></bt-speed-chart>`);
    const chart = await chartReady(el);
    let updates = 0;
    const setOption = chart.setOption.bind(chart);
    chart.setOption = ((...args: Parameters<typeof setOption>) => { updates++; return setOption(...args); }) as typeof chart.setOption;
    for (let i = 0; i < 1000; i++) el.appendPoint({ t: 20 + i, s: (50 + (i % 10)) * MIB, p: 50 + i / 40, phase: 'transfer' });
    await nextFrames();
    expect(updates, 'chart updates for 1,000 appends').to.be.within(1, 3);
    expect(speedSeries(el).at(-1), 'the newest point is drawn').to.deep.equal([1019, 59]);
    const csv = el.toCsv().trim().split('\n');
    expect(csv, 'CSV has a header and every point').to.have.length(1 + 10 + 1000);
    expect(csv.at(-1)).to.equal('1019,59,74.975,transfer');
  });

  it('thins 100,000 points to the pixels it has and keeps the peak and the dip', async () => {
    const data = longJob(100_000, 61_234, 87_001);
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart style="width:800px;height:320px" .points=${data}></bt-speed-chart>`);
    await chartReady(el);
    const drawn = speedSeries(el);
    expect(drawn.length, 'points drawn').to.be.below(2 * 2048 + 2).and.above(200);
    expect(Math.max(...drawn.map(([, v]) => v))).to.equal(900);
    expect(drawn.find(([, v]) => v === 900)![0], 'the peak at its own second').to.equal(61_234);
    expect(Math.min(...drawn.map(([, v]) => v))).to.equal(3);
    expect(drawn.at(-1)![0], 'the last point').to.equal(99_999);
    expect(el.currentPoints).to.have.length(100_000);
  });

  it('keeps the peak of 100,000 live points appended one by one', async () => {
    const data = longJob(100_000, 33_333, 70_000);
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${data.slice(0, 10)} live></bt-speed-chart>`);
    await chartReady(el);
    for (let i = 10; i < data.length; i++) el.appendPoint(data[i]);
    await nextFrames();
    const drawn = speedSeries(el);
    expect(drawn.length).to.be.below(2 * 2048 + 2);
    expect(Math.max(...drawn.map(([, v]) => v))).to.equal(900);
    expect(Math.min(...drawn.map(([, v]) => v))).to.equal(3);
    expect(drawn.at(-1)).to.deep.equal([99_999, data[99_999].s / MIB]);
  });

  it('draws every point of a zoomed-in window of a long job', async () => {
    const data = longJob(100_000, 50_100, 10);
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart style="width:800px;height:320px" .points=${data}></bt-speed-chart>`);
    const chart = await chartReady(el);
    chart.dispatchAction({ type: 'dataZoom', start: 50, end: 50.3 });
    await nextFrames();
    const inWindow = speedSeries(el).filter(([t]) => t >= 50_000 && t <= 50_290);
    expect(inWindow.map(([t]) => t)).to.deep.equal(Array.from({ length: 291 }, (_, i) => 50_000 + i));
    el.resetZoom();
    await nextFrames();
    expect(speedSeries(el).filter(([t]) => t >= 50_000 && t <= 50_290).length, 'thinned again when zoomed out').to.be.below(100);
  });

  it('starts drawing when the first live point arrives on an empty chart', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart live></bt-speed-chart>`);
    expect(el.shadowRoot!.textContent).to.include('No performance data for this backup');
    el.appendPoint({ t: 0, s: 10 * MIB, p: 0.5, phase: 'snapshot' });
    await el.updateComplete;
    await chartReady(el);
    expect(speedSeries(el)).to.deep.equal([[0, 10]]);
  });

  it('never lets a phase name inject HTML into the tooltip', async () => {
    const evil = '<img src=x onerror="window.__tooltipPwned=1">';
    const data = points(10, { phases: [evil] });
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart style="width:600px;height:320px" .points=${data}></bt-speed-chart>`);
    const chart = await chartReady(el);
    chart.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 4 });
    const container = el.shadowRoot!.querySelector('.chart')!;
    await waitUntil(() => container.textContent!.includes('Phase:'), 'tooltip shown');
    expect(container.textContent).to.include(`Phase: ${evil}`);
    expect(container.querySelector('img')).to.be.null;
    expect(container.textContent).to.include('00:08');
    await new Promise((r) => setTimeout(r, 50));
    expect((window as unknown as { __tooltipPwned?: number }).__tooltipPwned).to.be.undefined;
  });

  it('exports its data as CSV with spreadsheet formulas defused', async () => {
    const data = [{ t: 0, s: 1.5 * MIB, p: 0, phase: '=HYPERLINK("http://x")' }, { t: 2, s: 3_000_000, p: 10, phase: '=HYPERLINK("http://x")' }];
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${data}></bt-speed-chart>`);
    expect(el.toCsv()).to.equal(
      't_seconds,speed_mibps,progress_percent,phase\n0,1.5,0,"\'=HYPERLINK(""http://x"")"\n2,2.86,10,"\'=HYPERLINK(""http://x"")"\n',
    );
  });

  it('exports the chart as a PNG download', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart filename="job-7" .points=${points(5)}></bt-speed-chart>`);
    await chartReady(el);
    const clicked: HTMLAnchorElement[] = [];
    const original = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) { clicked.push(this); };
    try {
      const png = [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent === 'Export PNG')!;
      png.click();
    } finally {
      HTMLAnchorElement.prototype.click = original;
    }
    expect(clicked).to.have.length(1);
    expect(clicked[0].download).to.equal('job-7.png');
    expect(clicked[0].href).to.match(/^data:image\/png;base64,/);
  });

  it('shows loading and error states a person understands', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart loading></bt-speed-chart>`);
    expect(el.shadowRoot!.textContent).to.include('Loading performance data');
    el.loading = false;
    el.error = 'The hub answered HTTP 500';
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[role=alert]')!.textContent).to.include('The hub answered HTTP 500');
  });

  it('takes its colours from the theme tokens and follows a theme change', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart theme="dark" .points=${points(5)}></bt-speed-chart>`);
    await chartReady(el);
    expect(option(el).series[0].color).to.equal('#3794ff');
    el.theme = 'light';
    await el.updateComplete;
    expect(option(el).series[0].color).to.equal('#1a73d9');
    document.documentElement.style.setProperty('--bt-chart-speed', '#ff0000');
    try {
      await waitUntil(() => option(el).series[0].color === '#ff0000', 'chart re-themed after the page token changed');
    } finally {
      document.documentElement.style.removeProperty('--bt-chart-speed');
    }
  });

  it('disposes its chart when removed and draws again when put back', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${points(5)}></bt-speed-chart>`);
    const chart = await chartReady(el);
    const parent = el.parentElement!;
    el.remove();
    expect(chart.isDisposed()).to.be.true;
    expect(el.chart).to.be.undefined;
    parent.append(el);
    await el.updateComplete;
    await chartReady(el);
    expect(speedSeries(el)).to.have.length(5);
  });
});
