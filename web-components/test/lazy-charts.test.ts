import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { BtMachineDetails } from '../src/machine-details/machine-details.js';
import type { BtSpeedChart } from '../src/speed-chart/speed-chart.js';
import type { BtSuccessDonut } from '../src/success-donut/success-donut.js';
import { vmHistory } from './fixtures.js';
import { $, chartReady, speedSeries } from './helpers.js';

/** Whether the page has fetched any ECharts module (the dev server serves them from node_modules/echarts). */
const echartsFetched = () => performance.getEntriesByType('resource').some((e) => e.name.includes('/node_modules/echarts/'));

// Its own file, so that no earlier test of the page has loaded ECharts already.
describe('charts load with the tab that shows them', () => {
  it('opens the modal on Summary without fetching ECharts, and draws the Performance and Analytics charts after switching', async function () {
    this.timeout(60_000); // the first chart fetches ECharts, unbundled from the dev server
    const data = vmHistory();
    const el = await fixture<BtMachineDetails>(html`<bt-machine-details
      vm-name="web-01" .machine=${data.machine} .backups=${data.backups} .stats=${data.stats} open
    ></bt-machine-details>`);
    await el.updateComplete;
    expect($(el, 'bt-backup-history'), 'Summary is shown').to.exist;
    await new Promise((r) => setTimeout(r, 200));
    expect(echartsFetched(), 'ECharts fetched for Summary').to.be.false;

    el.tab = 'performance';
    await el.updateComplete;
    const chart = $<BtSpeedChart>(el, 'bt-speed-chart');
    await chartReady(chart, 'Performance chart drawn after switching', 50_000);
    expect(echartsFetched()).to.be.true;
    expect(speedSeries(chart)).to.have.length(data.recent.performance_metrics!.chart_data.length);

    el.tab = 'analytics';
    await el.updateComplete;
    const donut = $<BtSuccessDonut>(el, 'bt-success-donut');
    const pie = await chartReady(donut, 'Analytics donut drawn');
    expect((pie.getOption() as { series: unknown[] }).series).to.have.length(1);
  });
});
