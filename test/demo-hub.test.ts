import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatBytes, formatDuration, type BackupJob, type BackupStats, type FleetCalendarResponse, type FleetSummary, type HistoryResponse, type MachineListResponse } from '@backup-telemetry/contract';
import { ROOT, eventually, getJson, requireBuilt, simulate, startHub, tempDir, type HubProcess, type SimulatorRun } from './support/processes.js';

/**
 * End to end through every package: the example hub as a process on a temporary SQLite file, the
 * simulator driving jobs through the client SDK over both transports, and the demo page in Chromium.
 */

const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const OUT = join(ROOT, 'test-output');
const STALLED = /^Job stalled - no telemetry for (\d+h)?(\d+m)?\d+s \(backup client may have crashed\)$/;

describe('example hub, simulator and demo page, end to end', () => {
  let hub: HubProcess;
  let db: ReturnType<typeof tempDir>;
  let api: string;

  before(async () => {
    requireBuilt();
    db = tempDir('bt-e2e-');
    hub = await startHub({
      DATABASE_URL: `sqlite:${join(db.dir, 'telemetry.sqlite')}`,
      TELEMETRY_SNAPSHOT_INTERVAL_SECONDS: '1',
      TELEMETRY_STALE_CHECK_CRON: '* * * * * *',
      TELEMETRY_STALE_WARN_SECONDS: '2',
      TELEMETRY_STALE_FAIL_SECONDS: '4',
    });
    api = `${hub.url}/api/v1`;
  });

  after(async () => {
    const code = await hub?.stop('SIGTERM');
    db?.remove();
    assert.equal(code, 0, `the hub should exit 0 on SIGTERM; its log:\n${hub?.output()}`);
  });

  it('serves the elements bundle and the chunks it imports from /vendor, and no other file of dist', async () => {
    const entry = await fetch(`${hub.url}/vendor/bt-elements.bundle.js`);
    assert.equal(entry.status, 200);
    assert.match(entry.headers.get('content-type') ?? '', /javascript/);
    const chunks = [...(await entry.text()).matchAll(/"\.\/(bt-elements\.chunk-[\w-]+\.js)"/g)].map((m) => m[1]);
    assert.ok(chunks.length >= 1, 'the entry imports its chunks by relative URL');
    for (const chunk of chunks) assert.equal((await fetch(`${hub.url}/vendor/${chunk}`)).status, 200, chunk);
    for (const other of ['index.js', 'bt-elements.chunk-nothere.js', '..%2Fpackage.json']) {
      assert.equal((await fetch(`${hub.url}/vendor/${other}`)).status, 404, other);
    }
  });

  it('tells a newcomer with an empty database how to fill it', async () => {
    await eventually('the empty-database advice in the log', async () => (/the database is empty/.test(hub.output()) ? true : undefined), 5000);
    assert.match(hub.output(), /npm run simulate -- --history 3d --hub http:\/\/localhost:\d+/);
  });

  it('delivers every job end the simulator sends, over HTTP and over the socket, and the stale detector ends the dead client', async () => {
    const args = ['--hub', hub.url, '--jobs', '3', '--duration', '6', '--failures', '1', '--die', '1', '--quiet'];
    const [overHttp, overSocket] = await Promise.all([
      simulate([...args, '--transport', 'http', '--seed', '23']).done,
      simulate([...args, '--transport', 'socket', '--seed', '25']).done,
    ]);
    for (const [transport, run] of [['http', overHttp], ['socket', overSocket]] as [string, SimulatorRun][]) {
      assert.equal(run.code, 0, `simulator over ${transport} failed:\n${run.stdout}\n${run.stderr}`);
      assert.deepEqual(run.jobs.map((j) => j.result).sort(), ['completed', 'died', 'failed'], run.stdout);
      for (const job of run.jobs.filter((j) => j.result !== 'died')) assert.equal(job.transport, transport);

      const completed = await getJson<BackupJob>(`${api}/backups/${run.jobs.find((j) => j.result === 'completed')!.job_id}`);
      assert.equal(completed.status, 'completed');
      assert.equal(completed.bytes_transferred, completed.total_bytes);
      assert.ok(completed.disks.length >= 2 && completed.disks.every((d) => d.status === 'completed'), 'multi-disk VM, every disk done');
      assert.ok((completed.performance_metrics?.chart_data.length ?? 0) >= 3, 'rolled-up chart has points');
      assert.deepEqual(completed.performance_metrics!.phases.map((p) => p.phase), ['snapshot', 'transferring', 'finalizing']);

      const failedRow = run.jobs.find((j) => j.result === 'failed')!;
      const failed = await getJson<BackupJob>(`${api}/backups/${failedRow.job_id}`);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.error_message, failedRow.error);
      assert.ok(failed.bytes_transferred > 0 && failed.bytes_transferred < failed.total_bytes);
    }
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    assert.match(metrics, /^bt_telemetry_updates_total\{result="applied"[^}]*\} \d+/m, 'Prometheus metrics count the applied updates');
    const dead = [overHttp, overSocket].map((run) => run.jobs.find((j) => j.result === 'died')!.job_id);
    for (const id of dead) {
      const job = await eventually(`the stale detector to fail ${id}`, async () => {
        const j = await getJson<BackupJob>(`${api}/backups/${id}`);
        return j.status === 'failed' ? j : undefined;
      }, 15_000);
      assert.match(job.error_message ?? '', STALLED);
      assert.ok(job.performance_metrics, 'a stalled job is rolled up like any ended job');
    }
  });

  describe('the demo page in Chromium', { skip: existsSync(CHROME) ? false : `Chromium not found at ${CHROME} (set CHROME_PATH or apt-get install chromium): browser checks skipped` }, () => {
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    before(async () => {
      mkdirSync(OUT, { recursive: true });
      browser = await chromium.launch({
        executablePath: CHROME,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-component-update'],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
    });

    after(async () => {
      await browser?.close();
    });

    it('opens on <bt-fleet-overview>: counters match /fleet/summary and every machine has a row', async () => {
      await page.goto(hub.url);
      const fleet = page.locator('bt-fleet-overview');
      await fleet.locator('tbody tr').first().waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('#empty').isHidden(), true, 'the empty-database advice is hidden once machines exist');
      const summary = await getJson<FleetSummary>(`${api}/fleet/summary`);
      const counts = await fleet.locator('[part=counter]').evaluateAll((els) =>
        els.map((el) => [el.getAttribute('data-status') ?? 'all', el.querySelector('.count')!.textContent!.trim()]));
      assert.deepEqual(Object.fromEntries(counts), {
        all: String(summary.machines.total),
        ...Object.fromEntries(Object.entries(summary.machines.by_protection).map(([s, n]) => [s, String(n)])),
      });
      const list = await getJson<MachineListResponse>(`${api}/machines?limit=100`);
      const names = await fleet.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-vm')));
      assert.deepEqual([...names].sort(), list.machines.map((m) => m.vm_name).sort());
      assert.deepEqual(pageErrors, [], 'no script errors on the page');
    });

    it('switches to <bt-fleet-calendar>: the same page of machines by day, as /fleet/calendar says, and a day opens the details', async () => {
      await page.goto(hub.url);
      await page.locator('bt-fleet-overview').locator('tbody tr').first().waitFor({ timeout: 10_000 });
      await page.locator('#views button[data-view=calendar]').click();
      const calendar = page.locator('bt-fleet-calendar');
      await calendar.locator('tbody tr').first().waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('bt-fleet-overview').isHidden(), true, 'one view at a time');
      const tz = await calendar.evaluate((el) => (el as unknown as { tz: string }).tz);
      const answer = await getJson<FleetCalendarResponse>(`${api}/fleet/calendar?limit=50&sort=status&tz=${encodeURIComponent(tz)}`);
      assert.equal(await calendar.locator('[part=grid]').getAttribute('aria-label'), `Backups per machine and day (${answer.tz})`, 'in the browser\'s own time zone');
      const rows = await calendar.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [
        tr.getAttribute('data-vm'), [...tr.querySelectorAll('td')].map((td) => td.getAttribute('data-outcome')).join(' '),
      ]));
      assert.deepEqual(rows, answer.machines.map((m) => [m.vm_name, m.cells.map((c) => c.outcome).join(' ')]));
      assert.ok(answer.machines.some((m) => m.cells.some((c) => c.jobs > 0)), 'the simulated jobs are on the calendar');
      await calendar.locator('td[data-outcome]:not([data-outcome=none])').first().click();
      await page.locator('bt-machine-details').locator('.kpi').first().waitFor();
      await page.keyboard.press('Escape');
      await page.locator('#views button[data-view=table]').click();
      await page.locator('bt-fleet-overview').locator('tbody tr').first().waitFor();
      assert.deepEqual(pageErrors, [], 'no script errors on the page');
    });

    it('follows a running job from the fleet overview into the machine details, live, until it is rolled up', async () => {
      const live = simulate(['--hub', hub.url, '--jobs', '1', '--duration', '22', '--failures', '0', '--die', '0', '--seed', '5', '--quiet']);
      try {
        await page.goto(hub.url);
        const row = page.locator('bt-fleet-overview').locator('tr[data-vm="web-01"]');
        await row.locator('td.job[data-job-status="running"]').waitFor({ timeout: 10_000 });
        await page.locator('#live[data-state="live"]').waitFor();
        const percent = row.locator('[data-field="percent"]');
        const firstPercent = await percent.textContent();
        await eventually('the fleet row to show live progress', async () => ((await percent.textContent()) !== firstPercent ? true : undefined), 10_000);

        await page.screenshot({ path: join(OUT, 'e2e-fleet-overview.png') });

        await row.click();
        const details = page.locator('bt-machine-details');
        await details.locator('.kpi').first().waitFor();

        // Summary: the numbers the modal shows are the REST API's.
        const stats = await getJson<BackupStats>(`${api}/backups/stats?vm_name=web-01`);
        const kpis = Object.fromEntries(await details.locator('.kpis').first().locator('.kpi').evaluateAll((els) =>
          els.map((el) => [el.querySelector('.label')!.textContent!.trim(), el.querySelector('.value')!.textContent!.trim()])));
        assert.deepEqual(kpis, {
          'Total backups': String(stats.total),
          'Success rate': `${stats.success_rate_percent?.toFixed(1)}%`,
          'Average size': stats.avg_size_bytes === null ? '—' : formatBytes(stats.avg_size_bytes),
          'Average duration': stats.avg_duration_seconds === null ? '—' : formatDuration(stats.avg_duration_seconds),
        });
        // Seeds 23 and 25 give web-01 one completed and one failed job before the live one.
        assert.deepEqual([stats.total, stats.by_status.completed, stats.by_status.failed, stats.success_rate_percent], [3, 1, 1, 50]);
        await details.locator('bt-job-progress').first().waitFor();
        await page.screenshot({ path: join(OUT, 'e2e-summary.png') });

        // Performance: the running job's chart gains points while we watch.
        await details.locator('#tab-performance').click();
        const chart = details.locator('bt-speed-chart');
        await chart.waitFor();
        const jobId = await details.evaluate((el: any) => el.currentJob?.status === 'running' ? el.currentJob.backup_id as string : null);
        assert.ok(jobId, 'the Performance tab shows the running job');
        const pointCount = () => chart.evaluate((el: any) => el.currentPoints.length as number);
        const drawnCount = () => chart.evaluate((el: any) => (el.chart?.getOption()?.series?.[0]?.data?.length ?? 0) as number);
        const before = await eventually('the live chart to load', async () => ((await pointCount()) > 0 ? pointCount() : undefined), 10_000);
        await eventually('live points to arrive', async () => ((await pointCount()) >= before + 3 ? true : undefined), 15_000);
        // Live points are drawn on the next animation frame; a job this short is drawn point for point.
        await eventually('every live point to be drawn', async () => ((await drawnCount()) === (await pointCount()) ? true : undefined), 2000);
        assert.equal(await chart.evaluate((el: any) => el.live), true);
        await page.screenshot({ path: join(OUT, 'e2e-performance-live.png') });

        // On completion the chart switches to the rolled-up data the hub stored.
        const run = await live.done;
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.equal(run.jobs[0].job_id, jobId);
        await eventually('the chart to switch to the rolled-up data', async () =>
          (await details.evaluate((el: any, id: string) => el.telemetry.charts.get(id)?.source, jobId)) === 'rolled_up' ? true : undefined, 10_000);
        const history = await getJson<HistoryResponse>(`${api}/telemetry/history/${jobId}`);
        assert.equal(history.data_source, 'rolled_up');
        if (history.data_source !== 'rolled_up') return;
        assert.equal(await pointCount(), history.performance_metrics.chart_data.length);
        assert.equal(await chart.evaluate((el: any) => el.live), false);
        await eventually('the rolled-up chart to be drawn', async () => ((await drawnCount()) === history.performance_metrics.chart_data.length ? true : undefined), 5000);
        await page.screenshot({ path: join(OUT, 'e2e-performance-rolled-up.png') });

        // Analytics: the donut counts the REST API's outcomes, including the job that just ended.
        await details.locator('#tab-analytics').click();
        const donut = details.locator('bt-success-donut [role="img"]');
        const ended = await getJson<BackupStats>(`${api}/backups/stats?vm_name=web-01`);
        assert.equal(ended.by_status.completed + ended.by_status.failed, 3);
        const expected = `${ended.by_status.completed} completed, ${ended.by_status.failed} failed, ${ended.by_status.cancelled} cancelled`;
        await eventually('the donut to count every ended job', async () => ((await donut.getAttribute('aria-label'))?.includes(expected) ? true : undefined), 10_000);
        await details.locator('bt-backup-trends').waitFor();
        await page.screenshot({ path: join(OUT, 'e2e-analytics.png') });

        // And the fleet row followed the job to its end.
        await row.locator('td.job[data-job-status="completed"]').waitFor({ timeout: 5000 });
        assert.deepEqual(pageErrors, [], 'no script errors on the page');
      } finally {
        live.child.kill();
      }
    });
  });
});
