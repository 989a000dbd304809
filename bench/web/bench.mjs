// Bench 6: web components. (a) gzipped size of the bundle of all elements vs the full ECharts build;
// (b) in Chromium, time to append one live point to a 10,000-point <bt-speed-chart>
// (appendPoint + flush() + the canvas drawn) vs re-rendering it with the same point added (new `points`
// array → full setOption), interleaved, median.
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { QUICK } from '../lib/env.mjs';
import { fmt, median } from '../lib/stats.mjs';

const require = createRequire(import.meta.url);
const DIST = fileURLToPath(new URL('../../web-components/dist/', import.meta.url));
const BUNDLE = `${DIST}bt-elements.bundle.js`;
/** The entry and the chunks it imports (ECharts), served side by side. */
const bundleFiles = () => readdirSync(DIST).filter((f) => /^bt-elements\.[\w.-]+\.js$/.test(f));
const CHROME_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'];
const POINTS = 10_000;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/bt-elements.bundle.js"></script></head>
<body style="margin:0"><bt-speed-chart theme="dark" style="display:block;width:1200px;height:420px"></bt-speed-chart></body></html>`;

function serve() {
  const files = new Set(bundleFiles());
  const server = createServer((req, res) => {
    const file = req.url.slice(1);
    if (files.has(file)) { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(readFileSync(DIST + file)); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const size = (file) => { const raw = readFileSync(file); return { raw: raw.length, gz: gzipSync(raw, { level: 9 }).length }; };
const sizeOfAll = (files) => files.map((f) => size(DIST + f)).reduce((a, b) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz }), { raw: 0, gz: 0 });

export async function run({ log }) {
  if (!existsSync(BUNDLE)) return { id: 'web', title: '6. Web components: bundle size and live append', skipped: 'web-components/dist/bt-elements.bundle.js is missing (npm run build -w @backup-telemetry/web-components)' };
  const ours = sizeOfAll(bundleFiles());
  const full = size(require.resolve('echarts/dist/echarts.min.js'));
  const rounds = QUICK ? 5 : Number(process.env.BENCH_WEB_ROUNDS ?? 21);

  const server = await serve();
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: CHROME_ARGS });
  let timings;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => customElements.get('bt-speed-chart'));
    timings = await page.evaluate(async ({ count, rounds }) => {
      const el = document.querySelector('bt-speed-chart');
      // As the hub sends it: s in bytes per second, the phase on every point (the chart draws MiB/s).
      const point = (i) => ({ t: i * 5, s: Math.round((120 + 60 * Math.sin(i / 50)) * 1_048_576), p: Math.min(100, Math.round((i / 120) * 10) / 10), phase: 'transferring' });
      el.points = Array.from({ length: count }, (_, i) => point(i));
      await el.updateComplete;
      if (!el.chart) throw new Error('bt-speed-chart drew no chart');
      el.chart.getZr().flush();
      let next = count;
      const append = () => {
        const t0 = performance.now();
        if (!el.appendPoint(point(next++))) throw new Error('appendPoint refused the point');
        el.flush(); // draws now what the next animation frame would
        el.chart.getZr().flush();
        return performance.now() - t0;
      };
      const rerender = async () => {
        const t0 = performance.now();
        el.points = [...el.currentPoints, point(next++)];
        await el.updateComplete;
        el.chart.getZr().flush();
        return performance.now() - t0;
      };
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      for (let i = 0; i < 3; i++) { append(); await frame(); await rerender(); await frame(); } // warm-up
      const out = { append: [], rerender: [], points_at_end: 0 };
      for (let r = 0; r < rounds; r++) {
        out.append.push(append());
        await frame();
        out.rerender.push(await rerender());
        await frame();
      }
      out.points_at_end = el.currentPoints.length;
      return out;
    }, { count: POINTS, rounds });
    await page.close();
  } finally {
    await browser.close();
    server.close();
  }
  const appendMs = median(timings.append);
  const rerenderMs = median(timings.rerender);
  log(`  web: bundle ${fmt.kib(ours.gz)} gz vs echarts ${fmt.kib(full.gz)} gz; append ${fmt.ms(appendMs)} vs re-render ${fmt.ms(rerenderMs)}`);
  const sizeRatio = ours.gz / full.gz;
  return {
    id: 'web',
    title: '6. Web components: bundle size and live append',
    setup: `gzip -9 of the files; Chromium ${browser.version?.() ?? ''} headless (${CHROME_ARGS.join(' ')}), 1200×420 px chart, ${POINTS.toLocaleString('en-US')} points then one more per round, ${rounds} interleaved rounds (append, re-render), median; timings include the synchronous canvas flush`,
    rows: [
      { measure: 'bt-elements.bundle.js and its chunks (all elements + Lit + ECharts modules + socket.io-client), gzipped file by file', subject: fmt.kib(ours.gz), baseline: `${fmt.kib(full.gz)} (echarts.min.js, full build)`, ratio: fmt.ratio(sizeRatio) },
      { measure: 'same, minified, not gzipped', subject: fmt.kib(ours.raw), baseline: fmt.kib(full.raw), ratio: fmt.ratio(ours.raw / full.raw) },
      { measure: `append one live point to a ${POINTS.toLocaleString('en-US')}-point chart (appendPoint + flush)`, subject: fmt.ms(appendMs), baseline: `${fmt.ms(rerenderMs)} (re-render with a new points array)`, ratio: fmt.ratio(appendMs / rerenderMs) },
      { measure: '  append p90 / max', subject: `${fmt.ms(percentileOf(timings.append, 0.9))} / ${fmt.ms(Math.max(...timings.append))}`, baseline: `${fmt.ms(percentileOf(timings.rerender, 0.9))} / ${fmt.ms(Math.max(...timings.rerender))}`, ratio: '' },
    ],
    target: { text: 'bundle smaller than full ECharts (gzipped); append cheaper than re-render', value: sizeRatio, shown: `bundle ${fmt.ratio(sizeRatio)} of ECharts, append ${fmt.ratio(appendMs / rerenderMs)} of re-render`, met: sizeRatio < 1 && appendMs < rerenderMs },
    raw: { sizes: { ours, full }, timings },
  };
}

function percentileOf(values, q) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}
