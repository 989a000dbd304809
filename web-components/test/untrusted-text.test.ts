import { expect, fixture, html } from '@open-wc/testing';
import '../src/index.js';
import type { BtBackupHistory } from '../src/backup-history/backup-history.js';
import type { BtSpeedChart } from '../src/speed-chart/speed-chart.js';
import { pointsToCsv } from '../src/shared/chart-data.js';
import { job } from './fixtures.js';

describe('text a client sent', () => {
  it('shows a bidi override in an error message as its code point, isolated from the text around it', async () => {
    const failed = job({ status: 'failed', error_message: 'cannot read evil\u202Eexe.vm' });
    const el = await fixture<BtBackupHistory>(html`<bt-backup-history .backups=${[failed]}></bt-backup-history>`);
    const shown = el.shadowRoot!.querySelector<HTMLElement>('[part=error]')!;
    expect(shown.textContent).to.not.include('\u202E');
    expect(shown.textContent).to.include('cannot read evil[U+202E]exe.vm');
    const isolated = shown.querySelector('bdi')!;
    expect(isolated.textContent).to.equal('cannot read evil[U+202E]exe.vm');
    expect(getComputedStyle(isolated).unicodeBidi).to.equal('isolate');
  });

  it('quotes CSV fields holding a semicolon, so x;=1+1 stays one text cell in semicolon locales', async () => {
    const data = [{ t: 0, s: 1048576, p: 0, phase: 'x;=1+1' }, { t: 2, s: 2097152, p: 5, phase: '+sum' }];
    const el = await fixture<BtSpeedChart>(html`<bt-speed-chart .points=${data}></bt-speed-chart>`);
    expect(el.toCsv()).to.equal('t_seconds,speed_mibps,progress_percent,phase\n0,1,0,"x;=1+1"\n2,2,5,"\'+sum"\n');
    expect(pointsToCsv([{ t: 1, s: 1048576, p: 1, phase: 'a\rb' }])).to.equal('t_seconds,speed_mibps,progress_percent,phase\n1,1,1,"a\rb"\n');
  });
});
