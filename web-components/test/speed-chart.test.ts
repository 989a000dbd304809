import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../src/speed-chart/speed-chart.js';
import type { BtSpeedChart } from '../src/speed-chart/speed-chart.js';
import { metrics, points } from './fixtures.js';
import { chartReady, speedSeries } from './helpers.js';

type Option = { series: { id: string; color: string; markArea: { data: [{ name: string; xAxis: number }, { xAxis: number }][] } }[] };
const option = (el: BtSpeedChart) => el.chart!.getOption() as unknown as Option;


const MIB = 1024 * 1024;
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

  it('appends a live point to the drawn chart and extends the phases', async () => {
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${points(10)} live></bt-speed-chart>`);
    await chartReady(el);
    expect(el.appendPoint({ t: 20, s: 250 * MIB, p: 55, phase: 'verify' })).to.be.true;
    expect(el.appendPoint({ t: 20, s: 1, p: 1, phase: 'verify' }), 'a repeated timestamp is ignored').to.be.false;
    const series = speedSeries(el);
    expect(series).to.have.length(11);
    expect(series[10], 'bytes per second drawn as MiB/s').to.deep.equal([20, 250]);
    expect(option(el).series[0].markArea.data.map(([from]) => from.name)).to.deep.equal(['snapshot', 'transfer', 'finalize', 'verify']);
    expect(el.shadowRoot!.textContent).to.include('Live');
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
