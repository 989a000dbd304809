// Bench 8: a chart that stays fast (issue #19). In Chromium, with the built bundle and its chunks:
// (a) one live point appended to a 10,000- and a 100,000-point <bt-speed-chart> (appendPoint, then the
//     frame's flush: one setOption and the canvas drawn), against the old strategy in the same page and
//     run: every append hands ECharts the whole series (merge mode, LTTB sampling, phases), as
//     appendPoint did before; and a burst of points arriving in one frame;
// (b) JavaScript bytes (gzip -9 of each file the page fetched) when the machine details modal opens
//     on Summary, against the same sources bundled as one file, as before.
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { QUICK } from '../lib/env.mjs';
import { fmt, median, percentile } from '../lib/stats.mjs';

const DIST = fileURLToPath(new URL('../../web-components/dist/', import.meta.url));
const PKG = fileURLToPath(new URL('../../web-components/', import.meta.url));
const CHROME_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'];
const SIZES = [10_000, 100_000];
const BURST = 1000;
/** The figure issue #19 started from: the single-file bundle, gzipped, before the split. */
const ISSUE_BUNDLE_GZ = 237.0 * 1024;

const gz = (buf) => gzipSync(buf, { level: 9 }).length;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/bt-elements.bundle.js"></script></head>
<body style="margin:0"></body></html>`;

function serve() {
  const server = createServer((req, res) => {
    const file = req.url.slice(1);
    if (/^bt-elements\.[\w.-]+\.js$/.test(file) && existsSync(DIST + file)) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(DIST + file));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The same sources as one file, the way the bundle was built before the split. */
async function singleFileGz() {
  const out = await build({
    entryPoints: [`${PKG}src/index.ts`], bundle: true, format: 'esm', minify: true, target: 'es2021', write: false,
    tsconfig: `${PKG}tsconfig.json`, define: { 'process.env.NODE_ENV': '"production"' }, legalComments: 'eof', logLevel: 'silent',
  });
  return gz(out.outputFiles[0].contents);
}

async function modalBytes(browser, origin) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const fetched = new Set();
  page.on('request', (r) => { if (r.url().endsWith('.js')) fetched.add(new URL(r.url()).pathname.slice(1)); });
  await page.goto(origin);
  await page.waitForFunction(() => customElements.get('bt-machine-details'));
  const bytesOf = () => [...fetched].reduce((sum, f) => sum + gz(readFileSync(DIST + f)), 0);
  await page.evaluate(async () => {
    const GIB = 1024 ** 3;
    const points = Array.from({ length: 600 }, (_, i) => ({ t: i * 2, s: (150 + (i % 9)) * 1_048_576, p: Math.round((i / 6) * 10) / 10, phase: i < 60 ? 'snapshot' : 'transfer' }));
    const metrics = { duration_seconds: 1198, transfer_seconds: 1198, snapshots_recorded: 600, peak_speed_bps: 158 * 1_048_576, avg_speed_bps: 154 * 1_048_576, min_speed_bps: 150 * 1_048_576, peak_speed_mbps: 158, avg_speed_mbps: 154, bytes_transferred: 12 * GIB, chart_data: points, phases: [{ phase: 'snapshot', start_t: 0, end_t: 120 }, { phase: 'transfer', start_t: 120, end_t: 1198 }] };
    const job = (i) => ({ backup_id: `job-${i}`, job_type: 'backup', type: 'incremental', vm_name: 'web-01', vm_context_id: null, repository_id: 'repo-a', repository_path: null, status: 'completed', bytes_transferred: 12 * GIB, total_bytes: 12 * GIB, current_phase: null, progress_percent: 100, transfer_speed_bps: 0, eta_seconds: null, duration_seconds: 1198, error_message: null, created_at: new Date(Date.UTC(2026, 10, 30 - i, 2)).toISOString(), started_at: new Date(Date.UTC(2026, 10, 30 - i, 2)).toISOString(), completed_at: null, last_telemetry_at: null, details: null, disks: [], performance_metrics: metrics });
    const backups = Array.from({ length: 20 }, (_, i) => job(i));
    const el = document.createElement('bt-machine-details');
    Object.assign(el, {
      vmName: 'web-01', theme: 'dark', backups,
      machine: { vm_name: 'web-01', cpu_count: 8, memory_bytes: 32 * GIB, os: 'Ubuntu 22.04', disks: [], updated_at: backups[0].created_at, last_job: null, protection: null },
      stats: { vm_name: 'web-01', repository_id: null, total: 20, by_status: { pending: 0, running: 0, completed: 20, failed: 0, cancelled: 0 }, success_rate_percent: 100, avg_size_bytes: 12 * GIB, avg_duration_seconds: 1198, last_backup_at: backups[0].created_at },
      open: true,
    });
    document.body.append(el);
    await el.updateComplete;
    if (!el.shadowRoot.querySelector('bt-backup-history')) throw new Error('the modal did not open on Summary');
    await new Promise((r) => setTimeout(r, 500));
  });
  const summary = { files: [...fetched], gz: bytesOf() };
  await page.evaluate(async () => {
    const el = document.querySelector('bt-machine-details');
    el.tab = 'performance';
    await el.updateComplete;
    const chart = el.shadowRoot.querySelector('bt-speed-chart');
    await chart.updateComplete;
    if (!chart.chart) throw new Error('the Performance chart did not draw');
  });
  const performance = { files: [...fetched], gz: bytesOf() };
  await page.close();
  return { summary, performance };
}

// Runs in each page: a 1200×420 chart of `count` points and the functions that time one append.
function setUpPage({ count, oldWay }) {
  const point = (i) => ({ t: i * 5, s: Math.round((120 + 60 * Math.sin(i / 50)) * 1_048_576), p: Math.min(100, Math.round((i / count) * 1000) / 10), phase: 'transferring' });
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return (async () => {
    document.body.replaceChildren();
    const el = document.createElement('bt-speed-chart');
    el.setAttribute('theme', 'dark');
    el.style.cssText = 'display:block;width:1200px;height:420px';
    el.live = true;
    el.points = Array.from({ length: count }, (_, i) => point(i));
    document.body.append(el);
    await el.updateComplete;
    if (!el.chart) throw new Error('bt-speed-chart drew no chart');
    el.chart.getZr().flush();
    let next = count;
    let append;
    if (oldWay) {
      // The old strategy: the whole series, LTTB-sampled by ECharts, and the phases on every append.
      const speed = el.currentPoints.map((p) => [p.t, p.s / 1_048_576]);
      const progress = el.currentPoints.map((p) => [p.t, p.p]);
      const markArea = () => ({ silent: true, data: [[{ name: 'transferring', xAxis: 0, itemStyle: { color: 'rgba(128,128,128,.1)' } }, { xAxis: speed[speed.length - 1][0] }]] });
      el.chart.setOption({ series: [{ id: 'speed', sampling: 'lttb', data: speed, markArea: markArea() }, { id: 'progress', data: progress }] });
      el.chart.getZr().flush();
      append = () => {
        const t0 = performance.now();
        const p = point(next++);
        speed.push([p.t, p.s / 1_048_576]);
        progress.push([p.t, p.p]);
        el.chart.setOption({ series: [{ id: 'speed', data: speed, markArea: markArea() }, { id: 'progress', data: progress }] }, { lazyUpdate: false });
        el.chart.getZr().flush();
        return performance.now() - t0;
      };
    } else {
      append = () => {
        const t0 = performance.now();
        if (!el.appendPoint(point(next++))) throw new Error('appendPoint refused the point');
        el.flush(); // what the animation frame does
        el.chart.getZr().flush();
        return performance.now() - t0;
      };
      const setOption = el.chart.setOption.bind(el.chart);
      let updates = 0;
      el.chart.setOption = (...args) => { updates++; return setOption(...args); };
      // A burst of points arriving within one frame: how many setOption calls the frame makes, and
      // the frame's work timed synchronously (the same burst, then one flush and draw).
      window.burst = async (n) => {
        updates = 0;
        for (let i = 0; i < n; i++) el.appendPoint(point(next++));
        await frame(); // the chart's frame callback was queued by the first append, so it has run
        const frameUpdates = updates;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) el.appendPoint(point(next++));
        el.flush();
        el.chart.getZr().flush();
        return { ms: performance.now() - t0, updates: frameUpdates };
      };
      window.drawn = () => ({ drawn: el.chart.getOption().series[0].data.length, held: el.currentPoints.length });
    }
    window.appendOnce = async () => { const ms = append(); await frame(); return ms; };
  })();
}

async function appends(browser, origin, log) {
  // Ours and the old way in two pages (two renderer processes), so one's garbage is not collected in
  // the other's timings; rounds alternate between them.
  const open = async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await page.goto(origin);
    await page.waitForFunction(() => customElements.get('bt-speed-chart'));
    return page;
  };
  const ours = await open();
  const old = await open();
  const out = {};
  for (const count of SIZES) {
    const rounds = QUICK ? 10 : count >= 100_000 ? 20 : 40;
    const newRounds = QUICK ? 30 : 400;
    log(`  chart-live: ${count.toLocaleString('en-US')} points, ${newRounds} appends, ${rounds} of the old way`);
    await ours.evaluate(setUpPage, { count, oldWay: false });
    await old.evaluate(setUpPage, { count, oldWay: true });
    for (let i = 0; i < 20; i++) { await ours.evaluate(() => window.appendOnce()); if (i < 3) await old.evaluate(() => window.appendOnce()); } // warm-up (JIT, first draws)
    const res = { ours: [], old: [], burst: [], burst_updates: [] };
    for (let r = 0; r < newRounds; r++) {
      res.ours.push(await ours.evaluate(() => window.appendOnce()));
      if (r % Math.ceil(newRounds / rounds) === 0) res.old.push(await old.evaluate(() => window.appendOnce()));
    }
    for (let r = 0; r < (QUICK ? 5 : 20); r++) {
      const b = await ours.evaluate((n) => window.burst(n), BURST);
      res.burst.push(b.ms);
      res.burst_updates.push(b.updates);
    }
    Object.assign(res, await ours.evaluate(() => window.drawn()));
    out[count] = res;
  }
  await ours.close();
  await old.close();
  return out;
}

export async function run({ log }) {
  const title = '9. A chart that stays fast: live append and the modal\'s first load';
  if (!existsSync(`${DIST}bt-elements.bundle.js`)) return { id: 'chart-live', title, skipped: 'web-components/dist is missing (npm run build)' };
  const server = await serve();
  const origin = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: CHROME_ARGS });
  let modal;
  let timings;
  try {
    modal = await modalBytes(browser, origin);
    timings = await appends(browser, origin, log);
  } finally {
    await browser.close();
    server.close();
  }
  const single = await singleFileGz();
  const all = readdirSync(DIST).filter((f) => /^bt-elements\..*\.js$/.test(f)).reduce((sum, f) => sum + gz(readFileSync(DIST + f)), 0);
  const rows = [];
  const figures = {};
  for (const count of SIZES) {
    const t = timings[count];
    const f = { ours_p50: median(t.ours), ours_p95: percentile(t.ours, 95), old_p50: median(t.old), old_p95: percentile(t.old, 95), burst_p50: median(t.burst), burst_p95: percentile(t.burst, 95), updates_max: Math.max(...t.burst_updates) };
    figures[count] = f;
    const n = count.toLocaleString('en-US');
    rows.push(
      { measure: `append one live point to a ${n}-point chart, median (appendPoint + the frame's flush and draw)`, subject: fmt.ms(f.ours_p50), baseline: `${fmt.ms(f.old_p50)} (old: whole series to ECharts per append)`, ratio: fmt.ratio(f.ours_p50 / f.old_p50) },
      { measure: '  same, p95', subject: fmt.ms(f.ours_p95), baseline: fmt.ms(f.old_p95), ratio: fmt.ratio(f.ours_p95 / f.old_p95) },
      { measure: `  a burst of ${BURST.toLocaleString('en-US')} points in one frame (appends + one flush), median / p95`, subject: `${fmt.ms(f.burst_p50)} / ${fmt.ms(f.burst_p95)}`, baseline: `old: ${BURST.toLocaleString('en-US')} appends, each as above`, ratio: '' },
      { measure: '  chart updates (setOption) per burst, max', subject: String(f.updates_max), baseline: String(BURST), ratio: '' },
      { measure: '  points drawn after thinning / points held', subject: `${t.drawn.toLocaleString('en-US')} / ${t.held.toLocaleString('en-US')}`, baseline: '', ratio: '' },
    );
  }
  rows.push(
    { measure: 'JavaScript fetched opening the machine details modal on Summary, gzipped', subject: fmt.kib(modal.summary.gz), baseline: `${fmt.kib(single)} (same sources as one file, as before); ${fmt.kib(ISSUE_BUNDLE_GZ)} in issue #19`, ratio: fmt.ratio(modal.summary.gz / single) },
    { measure: '  then switching to Performance (ECharts chunk loaded), gzipped', subject: fmt.kib(modal.performance.gz), baseline: fmt.kib(single), ratio: fmt.ratio(modal.performance.gz / single) },
    { measure: '  every file of the split bundle, gzipped one by one', subject: fmt.kib(all), baseline: fmt.kib(single), ratio: fmt.ratio(all / single) },
  );
  const worstP95 = Math.max(...SIZES.map((c) => figures[c].ours_p95));
  const bytesRatio = modal.summary.gz / Math.max(single, ISSUE_BUNDLE_GZ);
  const met = worstP95 < 16 && modal.summary.gz <= 0.5 * Math.min(single, ISSUE_BUNDLE_GZ);
  log(`  chart-live: append p95 ${SIZES.map((c) => `${c}: ${fmt.ms(figures[c].ours_p95)} (old ${fmt.ms(figures[c].old_p95)})`).join(', ')}; Summary ${fmt.kib(modal.summary.gz)} vs ${fmt.kib(single)}`);
  return {
    id: 'chart-live',
    title,
    setup: `Chromium headless (${CHROME_ARGS.join(' ')}), 1200×420 px charts in a 1280 px window, points 5 s apart; ours and the old strategy each in its own page (renderer process), rounds alternating, a frame between appends; timings include the synchronous canvas draw; bytes are gzip -9 of each JavaScript file the page requested (the modal given its data as properties, 20 backups)`,
    rows,
    target: {
      text: 'one live append under a frame (16 ms, p95) at 10,000 and 100,000 points; Summary fetches ≤ half the bundle (237 KiB gzipped)',
      value: worstP95,
      shown: `append p95 ${fmt.ms(figures[10_000].ours_p95)} at 10k, ${fmt.ms(figures[100_000].ours_p95)} at 100k (old ${fmt.ms(figures[10_000].old_p95)}, ${fmt.ms(figures[100_000].old_p95)}); Summary ${fmt.kib(modal.summary.gz)} = ${fmt.ratio(bytesRatio)} of ${fmt.kib(Math.max(single, ISSUE_BUNDLE_GZ))}`,
      met,
    },
    raw: { modal, figures, single_file_gz: single, split_total_gz: all },
  };
}
