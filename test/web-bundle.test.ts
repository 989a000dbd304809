import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT, requireBuilt } from './support/processes.js';

const kibOf = (line: string | undefined) => Number(/([\d.]+) KiB gzipped/.exec(line ?? '')?.[1]);

describe('the web components bundle', () => {
  it('loads at most half of the 237 KiB bundle (gzipped) until a chart draws: npm run size, as the README writes it', () => {
    requireBuilt();
    const run = spawnSync('npm run size -w @backup-telemetry/web-components', { cwd: ROOT, shell: true, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split('\n');
    const first = kibOf(lines.find((l) => l.startsWith('bt-elements.bundle.js')));
    const charts = kibOf(lines.find((l) => l.includes('when a chart first draws')));
    const all = kibOf(lines.find((l) => l.startsWith('all of it')));
    assert.ok(first > 0 && charts > 0, run.stdout);
    assert.ok(first <= 237 / 2, `first load ${first} KiB gzipped`);
    assert.ok(Math.abs(first + charts - all) < 0.2, run.stdout);
    assert.match(run.stdout, /a page with no chart on it loads \d+% of all of it/);
  });
});
