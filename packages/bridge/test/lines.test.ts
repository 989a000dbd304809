import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter } from '../src/lines.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const texts = (lines: { text?: string }[]) => lines.map((l) => l.text);

describe('line splitter', () => {
  it('yields lines as chunks complete them, however the chunks fall', () => {
    const s = new LineSplitter();
    assert.deepEqual(texts(s.push(b('{"a":1}\n{"b"'))), ['{"a":1}']);
    assert.deepEqual(texts(s.push(b(':2}\r\nend'))), ['{"b":2}']);
    assert.deepEqual(s.end().map((l) => [l.text, l.bytes.toString()]), [['end', 'end']]);
  });

  it('keeps every byte as the tool wrote it, including invalid UTF-8 and carriage returns', () => {
    const s = new LineSplitter();
    const raw = Buffer.concat([b('caf'), Buffer.from([0xc3]), b('\r\n')]);
    const [line] = s.push(raw);
    assert.ok(line!.bytes.equals(raw));
  });

  it('passes an over-long line on in pieces, unparsed, then parses the next line again', () => {
    const s = new LineSplitter({ maxLineBytes: 8 });
    const first = s.push(b('0123456789'));
    assert.deepEqual(first.map((l) => [l.text, l.bytes.toString()]), [[undefined, '0123456789']]);
    const rest = s.push(b('abc\n{"x":1}\n'));
    assert.deepEqual(rest.map((l) => [l.text, l.bytes.toString()]), [[undefined, 'abc\n'], ['{"x":1}', '{"x":1}\n']]);
  });

  it('releases a prompt waiting without a newline', () => {
    const s = new LineSplitter();
    s.push(b('enter password for repository: '));
    assert.equal(s.hasPartial, true);
    assert.deepEqual(s.releasePartial().map((l) => [l.text, l.bytes.toString()]), [[undefined, 'enter password for repository: ']]);
    assert.equal(s.hasPartial, false);
  });
});
