// ECharts is a dynamic import, fetched when the first chart draws; unbundled from the dev server that
// takes seconds. Test files about what a chart shows load it once up front (lazy-charts.test.ts does not).
before(async function () {
  this.timeout(60_000);
  await import('../src/shared/echarts.js');
});
