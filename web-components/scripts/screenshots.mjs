#!/usr/bin/env node
// Screenshots of the machine details modal's three tabs, of the fleet overview, of the fleet calendar and of the
// timeline, size distribution and week over week elements, dark and light, from the demo page in
// headless Chromium, into docs/screenshots/. Needs `npm run build` first (the demo loads the bundle).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const out = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json' };

const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  try {
    const body = await readFile(join(pkg, path));
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

await mkdir(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 960 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  for (const theme of ['dark', 'light']) {
    for (const tab of ['summary', 'performance', 'analytics']) {
      await page.goto(`${base}/demo/index.html?theme=${theme}&tab=${tab}&open&still`);
      await page.waitForFunction(() => document.querySelector('bt-machine-details')?.shadowRoot?.querySelector('dialog[open] [role=tabpanel]'));
      await page.waitForTimeout(1200); // chart animations
      const file = join(out, `machine-details-${tab}-${theme}.png`);
      await page.screenshot({ path: file });
      console.log('wrote', file);
    }
  }
  for (const theme of ['dark', 'light']) {
    await page.goto(`${base}/demo/index.html?theme=${theme}&still`);
    const fleet = page.locator('bt-fleet-overview');
    await fleet.locator('tbody tr').first().waitFor();
    const file = join(out, `fleet-overview-${theme}.png`);
    await fleet.locator('xpath=..').screenshot({ path: file });
    console.log('wrote', file);
    const calendar = page.locator('bt-fleet-calendar');
    await calendar.locator('tbody tr').first().waitFor();
    const calendarFile = join(out, `fleet-calendar-${theme}.png`);
    await calendar.locator('xpath=..').screenshot({ path: calendarFile });
    console.log('wrote', calendarFile);
  }
  for (const theme of ['dark', 'light']) {
    await page.goto(`${base}/demo/index.html?theme=${theme}&still`);
    await page.waitForTimeout(1200); // chart animations
    for (const tag of ['job-timeline', 'size-distribution', 'week-over-week']) {
      const file = join(out, `${tag}-${theme}.png`);
      await page.locator(`bt-${tag}`).locator('xpath=..').screenshot({ path: file });
      console.log('wrote', file);
    }
  }
  await page.goto(`${base}/demo/index.html?theme=dark&still`);
  await page.waitForTimeout(1200);
  await page.screenshot({ path: join(out, 'elements-dark.png'), fullPage: true });
  console.log('wrote', join(out, 'elements-dark.png'));
} finally {
  await browser.close();
  server.close();
}
