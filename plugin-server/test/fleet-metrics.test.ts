import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTelemetryPlugin, defaultLogger } from '../src/index.js';
import { backends, startHub, type TestHub } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';

const HOUR = 3_600_000;

/** The value of one series of an exposition text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (want.every((w) => inside.includes(w))) return Number(line.slice(line.lastIndexOf('}') + 1));
  }
  return undefined;
}

for (const backend of backends()) {
  describe(`per-VM series on /metrics (${backend.name})`, { skip: backend.skip }, () => {
    let hub: TestHub;
    let shift = 0;
    const clock = () => Date.now() + shift;
    const ODD = 'db "07"\\\nnext';
    let successAt = '';

    before(async () => {
      hub = await startHub(backend, { now: clock, metricsCacheSeconds: 0 });
      const ok = await registerJob(hub.http, { vm_name: 'web-01', repository_id: 'repo-a' });
      await send(hub.http, ok, update()).expect(200);
      await send(hub.http, ok, update({ status: 'completed', bytes_transferred: 4000 })).expect(200);
      successAt = (await hub.http.get(`/api/v1/backups/${ok}`)).body.completed_at;
      for (let i = 0; i < 2; i++) {
        const bad = await registerJob(hub.http, { vm_name: ODD, repository_id: 'repo-b' });
        await send(hub.http, bad, { status: 'failed', error: 'NBD connection reset by peer' }).expect(200);
      }
    });
    after(() => hub?.close());

    it('serves each VM\'s newest success per repository, protection status, RPO, failures in a row and newest job, with untrusted names escaped', async () => {
      const text = await hub.plugin.metrics.registry.metrics();
      assert.equal(sample(text, 'bt_machine_last_success_timestamp_seconds', { vm_name: 'web-01', repository_id: 'repo-a' }), Date.parse(successAt) / 1000);
      assert.equal(sample(text, 'bt_machine_last_success_timestamp_seconds', { vm_name: ODD, repository_id: 'repo-b' }), undefined, 'no success yet: no series');
      assert.equal(sample(text, 'bt_machine_protection_status', { vm_name: 'web-01', status: 'protected' }), 1);
      assert.equal(sample(text, 'bt_machine_protection_status', { vm_name: ODD, status: 'pending' }), 1);
      assert.equal(sample(text, 'bt_machine_rpo_seconds', { vm_name: 'web-01' }), 24 * 3600);
      assert.equal(sample(text, 'bt_machine_consecutive_failures', { vm_name: ODD }), 2);
      assert.equal(sample(text, 'bt_machine_consecutive_failures', { vm_name: 'web-01' }), 0);
      assert.equal(sample(text, 'bt_machine_last_job_size_bytes', { vm_name: 'web-01' }), 4000);
      assert.ok((sample(text, 'bt_machine_last_job_duration_seconds', { vm_name: 'web-01' }) ?? -1) >= 0);
      // The name's quote, backslash and newline are escaped: no line of the exposition starts inside it.
      for (const line of text.split('\n')) assert.ok(line === '' || line.startsWith('#') || /^bt_|^process_|^nodejs_/.test(line) || /^[a-z_]+(\{|\s)/.test(line), `exposition line ${JSON.stringify(line)}`);
      assert.ok(!text.split('\n').some((l) => l.startsWith('next')), 'the newline in a VM name stays inside its label');
    });

    it('counts ended jobs by job type and outcome, with duration and size histograms', async () => {
      const text = await hub.plugin.metrics.registry.metrics();
      assert.equal(sample(text, 'bt_jobs_ended_total', { job_type: 'backup', status: 'completed' }), 1);
      assert.equal(sample(text, 'bt_jobs_ended_total', { job_type: 'backup', status: 'failed' }), 2);
      assert.equal(sample(text, 'bt_job_size_bytes_count', { job_type: 'backup', status: 'completed' }), 1);
      assert.equal(sample(text, 'bt_job_size_bytes_sum', { job_type: 'backup', status: 'completed' }), 4000);
      assert.equal(sample(text, 'bt_job_duration_seconds_count', { job_type: 'backup', status: 'failed' }), 2);
    });

    it('turns a VM at_risk once its newest success is older than RPO + grace', async () => {
      shift = 25 * HOUR + 60_000;
      try {
        const text = await hub.plugin.metrics.registry.metrics();
        assert.equal(sample(text, 'bt_machine_protection_status', { vm_name: 'web-01', status: 'at_risk' }), 1);
        assert.equal(sample(text, 'bt_machine_protection_status', { vm_name: 'web-01', status: 'protected' }), undefined, 'one status series per VM');
      } finally {
        shift = 0;
      }
    });

    it('is the same from a second instance on the same database, and cached for metricsCacheSeconds', async () => {
      const second = createTelemetryPlugin({ knex: hub.plugin.knex, tablePrefix: hub.plugin.store.tables.prefix, staleDetection: false, logger: defaultLogger('silent'), metricsCacheSeconds: 60 });
      try {
        const perVm = (text: string) => text.split('\n').filter((l) => l.startsWith('bt_machine_')).sort();
        const first = perVm(await hub.plugin.metrics.registry.metrics());
        assert.ok(first.length >= 8);
        assert.deepEqual(perVm(await second.metrics.registry.metrics()), first);
        const id = await registerJob(hub.http, { vm_name: 'new-vm' });
        await send(hub.http, id, { status: 'failed', error: 'x' }).expect(200);
        assert.deepEqual(perVm(await second.metrics.registry.metrics()), first, 'within its cache time the second instance serves the cached read');
        assert.equal(sample(await hub.plugin.metrics.registry.metrics(), 'bt_machine_consecutive_failures', { vm_name: 'new-vm' }), 1, 'without a cache the first sees it at once');
      } finally {
        await second.close();
      }
    });
  });
}
