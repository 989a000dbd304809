import { expect } from '@open-wc/testing';
import { LiveSeries } from '../src/shared/live-series.js';

/** A seeded pseudo-random walk, so a failure can be replayed. */
function walk(n: number, seed: number): number[] {
  let x = seed;
  let v = 100;
  return Array.from({ length: n }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    v = Math.max(0, v + ((x / 2 ** 31) - 0.5) * 10);
    return v;
  });
}

describe('LiveSeries (thinning for the live chart)', () => {
  it('keeps the min and max of every stretch of time whether points are appended one by one or loaded at once', () => {
    const values = walk(50_000, 7);
    const live = new LiveSeries(300);
    values.forEach((v, i) => live.push(i * 2, v, 0));
    const loaded = LiveSeries.from(300, values.length, (i) => [i * 2, values[i], 0]);
    for (const series of [live, loaded]) {
      const drawn = series.drawn();
      expect(drawn.length).to.be.at.most(2 * 300 + 1);
      expect(drawn).to.deep.equal([...drawn].sort((a, b) => a - b), 'in time order');
      expect(drawn.at(-1), 'the newest point').to.equal(values.length - 1);
      // Every tenth of the job: the drawn extremes are the true ones.
      for (let part = 0; part < 10; part++) {
        const from = part * 5000;
        const to = from + 5000;
        const inPart = drawn.filter((i) => i >= from && i < to).map((i) => values[i]);
        const truth = values.slice(from, to);
        expect(Math.max(...inPart)).to.equal(Math.max(...truth));
        expect(Math.min(...inPart)).to.equal(Math.min(...truth));
      }
    }
  });

  it('grows past its first buffers and draws every point while there are fewer than its columns', () => {
    const series = new LiveSeries(4096);
    for (let i = 0; i < 3000; i++) series.push(i, i % 2 ? 1 : 2, i / 30);
    expect(series.length).to.equal(3000);
    expect(series.drawn()).to.have.length(3000);
    expect(series.w[2999]).to.equal(2999 / 30);
  });
});
