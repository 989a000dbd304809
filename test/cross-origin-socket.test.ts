import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { BackupJob } from '@backup-telemetry/contract';
import { ROOT, freePort, getJson, requireBuilt, startHub, tempDir, type HubProcess } from './support/processes.js';

/**
 * A page of another site in Chromium against the example hub: Socket.IO's `cors` guards long-polling
 * only, so this opens a WebSocket, the transport a hostile page would use. The page is served from
 * http://127.0.0.1:P1 and reaches the hub as http://localhost:P2, two origins.
 */

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const CLIENT_JS = join(ROOT, 'node_modules/socket.io-client/dist/socket.io.min.js');

interface Attempt { error?: string; subscribed?: unknown; sent?: unknown }

/** Serves a blank page and the Socket.IO browser client on a loopback port. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    if (req.url === '/socket.io.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(CLIENT_JS));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><head><script src="/socket.io.min.js"></script></head><body>another site</body></html>');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${port}` };
}

/** In the page: connect over WebSocket, then try to subscribe to the job and to complete it. */
function attempt(page: Page, hub: string, jobId: string): Promise<Attempt> {
  return page.evaluate(async ({ hub, jobId }) => {
    const socket = (globalThis as any).io(`${hub}/telemetry`, { transports: ['websocket'], reconnection: false });
    const error = await new Promise<string | undefined>((resolve) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('connect_error', (e: Error) => resolve(e.message));
    });
    const completed = { job_type: 'backup', job_id: jobId, status: 'completed', bytes_transferred: 4000, total_bytes: 4000 };
    if (error !== undefined) {
      socket.emit('telemetry', completed);
      await new Promise((resolve) => setTimeout(resolve, 500));
      socket.close();
      return { error };
    }
    const subscribed = await socket.timeout(5000).emitWithAck('subscribe', { job_id: jobId });
    const sent = await socket.timeout(5000).emitWithAck('telemetry', completed);
    socket.close();
    return { subscribed, sent };
  }, { hub, jobId });
}

async function registerRunningJob(hub: HubProcess, id: string): Promise<void> {
  const post = (path: string, body: object) => fetch(`${hub.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const registered = await post('/backups', { id, vm_name: 'web-01', repository_id: 'repo-a', backup_type: 'full', disks: [{ disk_index: 0, total_bytes: 4000 }] });
  assert.equal(registered.status, 201, await registered.text());
  const running = await post(`/telemetry/backup/${id}`, { status: 'running', current_phase: 'transferring', bytes_transferred: 100, total_bytes: 4000 });
  assert.equal(running.status, 200, await running.text());
}

describe('a page of another origin in Chromium', { skip: existsSync(CHROME) ? false : `Chromium not found at ${CHROME} (set CHROME_PATH or apt-get install chromium): browser checks skipped` }, () => {
  let db: ReturnType<typeof tempDir>;
  let site: { server: Server; origin: string };
  let closed: HubProcess;
  let open: HubProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    requireBuilt();
    db = tempDir('bt-origin-');
    site = await pageServer();
    [closed, open] = await Promise.all([
      startHub({ DATABASE_URL: `sqlite:${join(db.dir, 'closed.sqlite')}` }),
      startHub({ DATABASE_URL: `sqlite:${join(db.dir, 'open.sqlite')}`, TELEMETRY_CORS_ORIGINS: site.origin }),
    ]);
    browser = await chromium.launch({ executablePath: CHROME, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'] });
    page = await browser.newPage();
    await page.goto(site.origin);
  });

  after(async () => {
    await browser?.close();
    const codes = await Promise.all([closed?.stop('SIGTERM'), open?.stop('SIGTERM')]);
    await new Promise((resolve) => site?.server.close(resolve));
    db?.remove();
    assert.deepEqual(codes, [0, 0]);
  });

  it('cannot subscribe to or complete a job over WebSocket on a hub that does not list its origin', async () => {
    await registerRunningJob(closed, 'origin-closed');
    const result = await attempt(page, `http://localhost:${closed.port}`, 'origin-closed');
    assert.deepEqual(result, { error: `origin ${site.origin} is not allowed (allowedOrigins: same origin only by default)` });
    const job = await getJson<BackupJob>(`${closed.url}/api/v1/backups/origin-closed`);
    assert.deepEqual([job.status, job.bytes_transferred], ['running', 100], 'the job is unchanged');
  });

  it('subscribes and reports over WebSocket when TELEMETRY_CORS_ORIGINS lists its origin', async () => {
    await registerRunningJob(open, 'origin-open');
    const result = await attempt(page, `http://localhost:${open.port}`, 'origin-open');
    assert.equal((result.subscribed as { ok: boolean; job: BackupJob }).job.backup_id, 'origin-open', JSON.stringify(result));
    assert.deepEqual(result.sent, { ok: true, applied: true });
    const job = await getJson<BackupJob>(`${open.url}/api/v1/backups/origin-open`);
    assert.equal(job.status, 'completed');
  });
});
