import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachmentHeader, printable } from '../src/reports/text.js';

const latinOnly = (cp: number) => cp < 0x250 || cp === 0x2026 || cp === 0xfffd;

describe('text a client sent, as a PDF report prints it', () => {
  it('keeps markup as characters, turns line breaks into spaces and drops other controls', () => {
    assert.equal(printable('<b>disk</b>\r\n\tfailed\u0000\u0007\u009B\u200B here', latinOnly), '<b>disk</b> failed here');
  });

  it('shows bidi controls as their code points', () => {
    assert.equal(printable('evil\u202Eexe.vm \u2067x\u2069', latinOnly), 'evil[U+202E]exe.vm [U+2067]x[U+2069]');
  });

  it('prints U+FFFD for a character the font cannot draw, and for a lone surrogate', () => {
    assert.equal(printable('vm-日本-\uD800', latinOnly), 'vm-\uFFFD\uFFFD-\uFFFD');
  });

  it('cuts long text to maxChars code points, the last an ellipsis', () => {
    const cut = printable('x'.repeat(500), latinOnly, 200);
    assert.equal(Array.from(cut).length, 200);
    assert.ok(cut.endsWith('x…'));
    assert.equal(printable('short', latinOnly, 200), 'short');
  });

  it('names the download in ASCII without quotes or slashes, and exactly in filename*', () => {
    const header = attachmentHeader('../evil "vm"\\Привет');
    assert.match(header, /^attachment; filename="[A-Za-z0-9._-]+\.pdf"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+$/);
    assert.equal(decodeURIComponent(header.split("''")[1]!), '../evil "vm"\\Привет.pdf');
    assert.equal(attachmentHeader('日本'), `attachment; filename="report.pdf"; filename*=UTF-8''${encodeURIComponent('日本.pdf')}`);
  });
});
