import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireBuilt, ROOT, startHub, tempDir, type HubProcess } from './support/processes.js';

/**
 * The shipped alert rules against Debian's real Prometheus and Alertmanager: a hub whose VM missed its
 * RPO pages a (local) webhook receiver through Alertmanager. Also the shipped files' own checks
 * (promtool check/test rules, amtool check-config), as a user runs them.
 */

const EXAMPLES = join(ROOT, 'examples/prometheus');
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const tools = have('promtool') && have('prometheus') && have('prometheus-alertmanager') && have('amtool');
// CI installs them (.ci/run); elsewhere the suite says why it skips.
const skip = tools ? false : process.env.CI ? false : 'promtool, prometheus, prometheus-alertmanager or amtool is not installed (apt-get install prometheus prometheus-alertmanager)';

function run(cmd: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The README's `sh` block of promtool checks, line by line as written. */
function readmeChecks(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]!).find((b) => b.includes('promtool test rules'));
  assert.ok(block, 'the README shows the promtool checks');
  return block.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
}

describe('the shipped Prometheus files', { skip }, () => {
  it('pass the README\'s checks as written (promtool check rules, check config, amtool check-config, promtool test rules)', () => {
    const lines = readmeChecks();
    assert.equal(lines.length, 4);
    for (const line of lines) {
      const r = run('bash', ['-c', line]);
      assert.equal(r.status, 0, `${line}:\n${r.output}`);
    }
  });

  it('pass the unit tests of every rule (promtool test rules)', () => {
    const r = run('promtool', ['test', 'rules', 'examples/prometheus/alerts.test.yml']);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS/);
    const rules = [...run('promtool', ['check', 'rules', 'examples/prometheus/alerts.yml']).output.matchAll(/(\d+) rules found/g)];
    assert.equal(Number(rules[0]?.[1]), 5);
  });
});

interface Received {
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

describe('a VM that misses its RPO pages a person through Prometheus and Alertmanager', { skip }, () => {
  let hub: HubProcess;
  let db: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;
  let receiver: Server;
  const children: ChildProcess[] = [];
  const received: Received[] = [];
  let logs = '';

  const spawnLogged = (cmd: string, args: string[]) => {
    const child = spawn(cmd, args, { cwd: work.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => { logs += c; });
    child.stderr!.on('data', (c) => { logs += c; });
    children.push(child);
    return child;
  };

  before(async () => {
    requireBuilt();
    db = tempDir('bt-prom-db-');
    work = tempDir('bt-prom-');
    hub = await startHub({ DATABASE_URL: `sqlite:${join(db.dir, 'telemetry.sqlite')}`, TELEMETRY_DEMO: 'off', LOG_LEVEL: 'warn' });
    // The agent reports a nightly job that last succeeded 47 hours ago (the default RPO is 24 h).
    const startedAt = Date.now() - 48 * 3600_000;
    const post = (path: string, body: object) => fetch(`${hub.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/backups', { id: 'nightly-db-07', vm_name: 'db-07', repository_id: 'repo-main', backup_type: 'incremental', started_at: startedAt })).status, 201);
    assert.equal((await post('/telemetry/backup/nightly-db-07', { status: 'completed', bytes_transferred: 1024, timestamp: startedAt + 3600_000 })).status, 200);

    const receiverPort = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { received.push(JSON.parse(body) as Received); res.end('ok'); });
    }).listen(receiverPort, '127.0.0.1');

    const [amPort, promPort] = [await freePort(), await freePort()];
    // JSON is YAML: the test's configs point the shipped rules at this run's ports and a fast cadence.
    writeFileSync(join(work.dir, 'alertmanager.yml'), JSON.stringify({
      route: { receiver: 'hook', group_by: ['alertname', 'vm_name'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [{ name: 'hook', webhook_configs: [{ url: `http://127.0.0.1:${receiverPort}/alerts`, send_resolved: true }] }],
    }));
    writeFileSync(join(work.dir, 'prometheus.yml'), JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(EXAMPLES, 'alerts.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [{ job_name: 'backup-telemetry', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${hub.port}`] }] }],
    }));
    spawnLogged('prometheus-alertmanager', ['--config.file=alertmanager.yml', `--storage.path=${join(work.dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);
    spawnLogged('prometheus', ['--config.file=prometheus.yml', `--storage.tsdb.path=${join(work.dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    receiver?.close();
    assert.equal(await hub?.stop(), 0);
    db?.remove();
    work?.remove();
  });

  it('delivers BackupMissedRPO for db-07 to the webhook receiver, with a summary a person can act on', async () => {
    const deadline = Date.now() + 90_000;
    let alert: Received['alerts'][number] | undefined;
    while (!alert && Date.now() < deadline) {
      alert = received.flatMap((r) => r.alerts).find((a) => a.labels.alertname === 'BackupMissedRPO' && a.status === 'firing');
      if (!alert) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(alert, `no BackupMissedRPO reached the receiver within 90 s; received ${JSON.stringify(received)}\n${logs.slice(-3000)}`);
    assert.equal(alert.labels.vm_name, 'db-07');
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.annotations.summary, 'db-07 has no successful backup within its RPO');
    assert.ok(!received.flatMap((r) => r.alerts).some((a) => a.labels.alertname === 'BackupHubDown'), 'the hub is up');
  });
});
