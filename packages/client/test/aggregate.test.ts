import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diskList, jobTotals, mergeDisks, percentOf } from '../src/aggregate.js';

describe('per-disk aggregation', () => {
  it('sums the disks into job totals', () => {
    const disks = diskList(mergeDisks(new Map(), [
      { disk_index: 0, bytes_transferred: 300, total_bytes: 1000 },
      { disk_index: 1, bytes_transferred: 200, total_bytes: 1000 },
    ]));
    assert.deepEqual(jobTotals(disks), { bytes_transferred: 500, total_bytes: 2000 });
    assert.deepEqual(disks.map((d) => d.progress_percent), [30, 20]);
  });

  it('keeps the last known state of disks a report leaves out', () => {
    let known = mergeDisks(new Map(), [{ disk_index: 0, bytes_transferred: 10, total_bytes: 100 }, { disk_index: 1, bytes_transferred: 5, total_bytes: 50 }]);
    known = mergeDisks(known, [{ disk_index: 1, bytes_transferred: 50, status: 'completed' }]);
    assert.deepEqual(diskList(known), [
      { disk_index: 0, bytes_transferred: 10, total_bytes: 100, progress_percent: 10 },
      { disk_index: 1, bytes_transferred: 50, total_bytes: 50, status: 'completed', progress_percent: 100 },
    ]);
  });

  it('gives no job total while any disk size is unknown', () => {
    assert.deepEqual(jobTotals([{ disk_index: 0, bytes_transferred: 1, total_bytes: 10 }, { disk_index: 1, bytes_transferred: 2 }]), { bytes_transferred: 3 });
  });

  it('rounds progress to one decimal and shows 100 only when every byte is through', () => {
    assert.equal(percentOf(999, 1000), 99.9);
    assert.equal(percentOf(99_999, 100_000), 99.9);
    assert.equal(percentOf(Math.round(1024 ** 3 * 0.1), 1024 ** 3), 10);
    assert.equal(percentOf(1234, 10_000), 12.3);
    assert.equal(percentOf(1001, 1000), 100);
    assert.equal(percentOf(1, 0), undefined);
  });
});
