#!/usr/bin/env node
// Runs every suite: Node's test runner over the TypeScript tests of every package and the end-to-end
// tests (one file at a time: the browser and restic suites need the machine's two cores to themselves),
// then the browser tests of the web components in Chromium. Prints one closing tally.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function testFiles(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true })
    .filter((f) => /\.test\.ts$/.test(f))
    .map((f) => join(dir, f))
    .sort();
}

const nodeSuites = ['packages/contract/test', 'packages/client/test', 'packages/bridge/test', 'plugin-server/test', 'examples/simulator/test', 'test']
  .flatMap(testFiles)
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

if (!process.env.MYSQL_URL) console.log('\n!! MYSQL_URL is not set: the MariaDB suites will be skipped (set it to run them).');
if (!process.env.PG_URL) console.log('!! PG_URL is not set: the PostgreSQL suites will be skipped (set it to run them).');
if (!process.env.REDIS_URL) console.log('!! REDIS_URL is not set: the Redis scale-out suites will be skipped (set it to run them).\n');

const out = join(root, 'test-output');
mkdirSync(out, { recursive: true });
const tap = join(out, 'node-tests.tap');
rmSync(tap, { force: true });

let passed = 0, failed = 0, skipped = 0;
let nodeCode = 0;
if (nodeSuites.length) {
  nodeCode = await run(process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=180000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...nodeSuites,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)`, 'm'))?.[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
  skipped += count('skipped') + count('todo');
  if (nodeCode !== 0 && count('fail') === 0) failed += 1;
}

let browserCode = 0;
const wantBrowser = only.length === 0 || only.some((o) => o.includes('web-components'));
const chrome = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const haveChrome = existsSync(chrome);
if (wantBrowser && !haveChrome) {
  if (process.env.CI) { console.log(`!! Chromium not found at ${chrome}: CI must run the browser suites`); failed += 1; }
  else console.log(`\n!! Chromium not found at ${chrome} (set CHROME_PATH, or apt-get install chromium): the browser suites are skipped.`);
}
if (wantBrowser && haveChrome && existsSync(join(root, 'web-components/web-test-runner.config.mjs'))) {
  const log = join(out, 'browser-tests.log');
  browserCode = await run('bash', ['-c', `set -o pipefail; npx wtr --config web-components/web-test-runner.config.mjs 2>&1 | tee ${log}`]);
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  const m = [...text.matchAll(/(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/g)].pop();
  if (m) { passed += Number(m[1]); failed += Number(m[2]); skipped += Number(m[3] ?? 0); }
  else if (browserCode !== 0) failed += 1;
}

// CI runs the suite on two Node lines: the tally says which one this was.
console.log(`\nall suites on Node ${process.version}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(nodeCode || browserCode || failed ? 1 : 0);
