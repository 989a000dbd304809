import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../src/index.js';
import type { BtMachineDetails } from '../src/machine-details/machine-details.js';
import { vmHistory } from './fixtures.js';
import { $ } from './helpers.js';

describe('bt-machine-details: Export PDF', () => {
  it("links to the hub's PDF report of the VM over report-days, its name percent-encoded", async () => {
    const data = vmHistory();
    const el = await fixture<BtMachineDetails>(html`<bt-machine-details
      vm-name="db 01/#?x"
      api-base="/hub/api/v1"
      report-days="7"
      .machine=${data.machine}
      .backups=${data.backups}
      .stats=${data.stats}
      open
    ></bt-machine-details>`);
    const link = $<HTMLAnchorElement>(el, '[part=export-pdf]');
    expect(link.textContent).to.equal('Export PDF');
    expect(link.getAttribute('href')).to.equal('/hub/api/v1/reports/machines/db%2001%2F%23%3Fx.pdf?days=7');
    expect(link.hasAttribute('download')).to.be.true;
    el.reportDays = 90;
    await el.updateComplete;
    expect(link.getAttribute('href')).to.equal('/hub/api/v1/reports/machines/db%2001%2F%23%3Fx.pdf?days=90');
  });

  it('downloads a PDF named after the VM from a real hub', async () => {
    const [vm] = (await executeServerCommand('real-hub-fleet')) as string[];
    const el = await fixture<BtMachineDetails>(html`<bt-machine-details vm-name=${vm!} api-base="/real-hub/api/v1" open></bt-machine-details>`);
    await waitUntil(() => el.telemetry.status === 'ready', 'the modal loaded from the hub', { timeout: 10_000 });
    const res = await fetch($<HTMLAnchorElement>(el, '[part=export-pdf]').href);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/pdf');
    expect(res.headers.get('content-disposition')).to.match(/^attachment; filename="[A-Za-z0-9._-]+\.pdf"; filename\*=UTF-8''/);
    const head = new TextDecoder().decode((await res.arrayBuffer()).slice(0, 5));
    expect(head).to.equal('%PDF-');
  });
});
