import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { knexFromUrl } from '@backup-telemetry/plugin-server';
import { requireBuilt, startHub, tempDir, type HubProcess } from './support/processes.js';

/**
 * The example hub's stdout and stderr piped to a log reader that stops reading or goes away, the way
 * a log shipper does when it hangs or restarts: ingest keeps answering and SIGTERM still stops the hub.
 */

/** A reader that never reads, with the pipe to it already full: every log write meets EAGAIN. */
function stalledReader(): ChildProcess {
  const reader = spawn('sleep', ['120'], { stdio: ['pipe', 'ignore', 'ignore'] });
  reader.stdin!.on('error', () => undefined); // EPIPE once it is killed
  reader.stdin!.write(Buffer.alloc(4 * 1024 * 1024, 'x'));
  return reader;
}

async function exitWithin(hub: HubProcess, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => { timer = setTimeout(() => resolve('still running'), ms); });
  const code = await Promise.race([hub.stop('SIGTERM'), late]);
  clearTimeout(timer);
  return code;
}

async function registerAndReport(api: string, id: string, bytes: number): Promise<void> {
  const registered = await fetch(`${api}/backups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, vm_name: 'log-vm', repository_id: 'r', backup_type: 'full' }) });
  assert.equal(registered.status, 201);
  const started = Date.now();
  const sent = await fetch(`${api}/telemetry/backup/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'running', bytes_transferred: bytes }) });
  assert.equal(sent.status, 200);
  assert.ok(Date.now() - started < 2000, 'ingest answers while the log destination is broken');
}

async function storedBytes(url: string): Promise<Record<string, number>> {
  const knex = knexFromUrl(url);
  try {
    const rows = await knex('backup_jobs').select('id', 'bytes_transferred');
    return Object.fromEntries(rows.map((r: { id: string; bytes_transferred: number }) => [r.id, Number(r.bytes_transferred)]));
  } finally {
    await knex.destroy();
  }
}

describe('example hub whose log reader stopped reading or went away', () => {
  it('keeps answering and exits 0 on SIGTERM with what it acknowledged stored, when the reader hangs and then dies', async () => {
    requireBuilt();
    const db = tempDir('bt-log-');
    const url = `sqlite:${join(db.dir, 'telemetry.sqlite')}`;
    const reader = stalledReader();
    const hub = await startHub({ DATABASE_URL: url, LOG_LEVEL: 'debug' }, undefined, reader.stdin!);
    try {
      await registerAndReport(`${hub.url}/api/v1`, 'while-stalled', 111);
      const stopping = exitWithin(hub, 5000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      reader.kill('SIGKILL'); // the reader goes away while the hub stops: every write now fails with EPIPE
      assert.equal(await stopping, 0);
      assert.deepEqual(await storedBytes(url), { 'while-stalled': 111 });
    } finally {
      reader.kill('SIGKILL');
      await hub.stop('SIGKILL');
      db.remove();
    }
  });

  it('keeps answering and exits 0 on SIGTERM when the reader went away before', async () => {
    requireBuilt();
    const db = tempDir('bt-log-');
    const url = `sqlite:${join(db.dir, 'telemetry.sqlite')}`;
    const reader = spawn(process.execPath, ['-e', 'process.stdin.once("data", () => process.exit(0))'], { stdio: ['pipe', 'ignore', 'ignore'] });
    reader.stdin!.on('error', () => undefined);
    const gone = new Promise((resolve) => reader.once('exit', resolve));
    const hub = await startHub({ DATABASE_URL: url, LOG_LEVEL: 'debug' }, undefined, reader.stdin!);
    try {
      await gone;
      await registerAndReport(`${hub.url}/api/v1`, 'after-reader', 222);
      await registerAndReport(`${hub.url}/api/v1`, 'after-reader-2', 333);
      assert.equal(await exitWithin(hub, 5000), 0);
      assert.deepEqual(await storedBytes(url), { 'after-reader': 222, 'after-reader-2': 333 });
    } finally {
      reader.kill('SIGKILL');
      await hub.stop('SIGKILL');
      db.remove();
    }
  });
});
