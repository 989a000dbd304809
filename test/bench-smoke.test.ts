import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import { requireBuilt, ROOT } from './support/processes.js';

/** The benches' smoke runs, exactly as the README writes them (a shell command from the repository root). */

const MYSQL_URL = process.env.MYSQL_URL;
/** The benches' PostgreSQL rows run unless BENCH_PG=off (bench/lib/env.mjs). */
const PG_URL = process.env.BENCH_PG === 'off' ? null : process.env.BENCH_PG_URL ?? process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function sh(command: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: ROOT, env: { ...process.env, BENCH_KEEP: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${command} ran over ${timeoutMs} ms:\n${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

describe('bench smoke runs', { skip: MYSQL_URL ? false : 'MYSQL_URL is not set: the benches need MariaDB' }, () => {
  it('BENCH_QUICK=1 node bench/run.mjs fleet measures a small fleet, leaves the recorded results alone and drops its tables', async () => {
    requireBuilt();
    const recorded = ['bench/results.json', 'bench/RESULTS.md'].map((f) => readFileSync(join(ROOT, f), 'utf8'));
    const run = await sh('BENCH_QUICK=1 node bench/run.mjs fleet', 170_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /### 8\. Fleet reads and capacity/);
    assert.match(run.stdout, /\| MariaDB +\| GET \/backups\/stats\?vm_name= +\| [\d.]+ ms/);
    if (PG_URL) assert.match(run.stdout, /\| PostgreSQL +\| GET \/backups\/stats\?vm_name= +\| [\d.]+ ms/);
    assert.match(run.stdout, /running VMs one hub core carries/);
    assert.doesNotMatch(run.stderr, /fleet failed/);
    assert.deepEqual(['bench/results.json', 'bench/RESULTS.md'].map((f) => readFileSync(join(ROOT, f), 'utf8')), recorded, 'a smoke run writes no results');
    const knex = knexFactory({ client: 'mysql2', connection: MYSQL_URL!.replace(/^mariadb:/, 'mysql:') });
    try {
      const [rows] = await knex.raw("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'bfleetq\\_%'");
      assert.equal(Number(rows[0].n), 0, 'the quick fleet\'s tables are dropped');
    } finally {
      await knex.destroy();
    }
    if (PG_URL) {
      const pg = knexFactory({ client: 'pg', connection: PG_URL });
      try {
        const { rows } = await pg.raw("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'bfleetq\\_%'");
        assert.equal(Number(rows[0].n), 0, 'the quick fleet\'s PostgreSQL tables are dropped');
      } finally {
        await pg.destroy();
      }
    }
  });
});
