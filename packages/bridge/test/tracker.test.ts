import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBorgLine } from '../src/parsers/borg.js';
import { parseResticLine } from '../src/parsers/restic.js';
import type { LineParser } from '../src/parsers/types.js';
import { decideOutcome, JobTracker, logLineOf, type ExitFacts } from '../src/tracker.js';
import { borg, restic } from './support/lines.js';

function feed(tracker: JobTracker, parse: LineParser, lines: string[]) {
  const reports = [];
  for (const l of lines) {
    const event = parse(l, 'stdout')?.event;
    const report = event && tracker.apply(event);
    if (report) reports.push(report);
  }
  return reports;
}

const exit = (over: Partial<ExitFacts> = {}): ExitFacts => ({ code: 0, signal: null, interruptedBy: null, stderrTail: [], ...over });

describe('job tracker', () => {
  it('walks restic through scanning → transferring → finalizing and ends with the summary bytes and facts', () => {
    const tracker = new JobTracker('restic');
    const reports = feed(tracker, parseResticLine, [
      restic.status({ percent_done: 0, bytes_done: undefined, total_bytes: 60000000, current_files: undefined }),
      restic.status({ percent_done: 0.5, bytes_done: 45000000, total_bytes: 90000003 }),
      restic.status({ percent_done: 1, bytes_done: 90000003, total_bytes: 90000003, files_done: 3 }),
      restic.summary(),
    ]);
    assert.deepEqual(reports.map((r) => r.current_phase), ['scanning', 'transferring', 'finalizing', 'finalizing']);
    assert.deepEqual(reports.map((r) => r.progress_percent), [0, 50, 100, 100]);
    const outcome = decideOutcome(tracker, exit());
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.final.bytes_transferred, 90000003);
    assert.equal(outcome.final.details?.snapshot_id, '0f5e2129');
    assert.equal(outcome.final.details?.data_added_bytes, 90005160);
    assert.equal(outcome.final.details?.exit_code, 0);
  });

  it('never goes back to scanning, but lets finalizing fall back to transferring when more data turns up', () => {
    const tracker = new JobTracker('restic');
    const phases = feed(tracker, parseResticLine, [
      restic.status({ percent_done: 1, bytes_done: 100, total_bytes: 100 }),
      restic.status({ percent_done: 0.1, bytes_done: 100, total_bytes: 1000 }),
      restic.status({ percent_done: 0, bytes_done: 0, total_bytes: 1000 }),
    ]).map((r) => r.current_phase);
    assert.deepEqual(phases, ['finalizing', 'transferring', 'transferring']);
  });

  it('fails a run with the tool\'s own fatal message and its exit code', () => {
    const tracker = new JobTracker('restic');
    feed(tracker, parseResticLine, ['Fatal: wrong password or no key found']);
    const outcome = decideOutcome(tracker, exit({ code: 12 }));
    assert.deepEqual([outcome.status, outcome.error, outcome.exitCode], ['failed', 'Fatal: wrong password or no key found (exit code 12)', 12]);
  });

  it('falls back to the tail of stderr, then to a plain statement, for a failure without a recognised error', () => {
    const tracker = new JobTracker('restic');
    assert.equal(decideOutcome(tracker, exit({ code: 2, stderrTail: ['panic: runtime error', 'goroutine 1 [running]:', ''] })).error, 'panic: runtime error\ngoroutine 1 [running]: (exit code 2)');
    assert.equal(decideOutcome(tracker, exit({ code: null, signal: 'SIGKILL' })).error, 'restic failed (killed by SIGKILL)');
    assert.equal(decideOutcome(tracker, exit({ code: null, signal: 'SIGKILL' })).exitCode, 137);
  });

  it('completes restic exit 3 (snapshot saved, some files unreadable) with the warnings in the details', () => {
    const tracker = new JobTracker('restic');
    feed(tracker, parseResticLine, [restic.error(), restic.summary()]);
    const outcome = decideOutcome(tracker, exit({ code: 3 }));
    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.exitCode, 3);
    assert.deepEqual([outcome.final.details?.incomplete_snapshot, outcome.final.details?.warning_count], [true, 1]);
    assert.match(String(outcome.final.details?.last_warning), /permission denied/);
    assert.equal(outcome.final.warnings_count, 1, 'the hub counts it as completed with warnings');
    assert.equal(decideOutcome(new JobTracker('restic'), exit({ code: 3 })).status, 'failed', 'exit 3 without a snapshot is a failure');
    assert.equal(decideOutcome(new JobTracker('restic'), exit({ code: 0 })).final.warnings_count, undefined, 'a clean run has none');
  });

  it('turns the tool\'s errors into session log lines: warnings, and errors when fatal', () => {
    assert.deepEqual(logLineOf({ kind: 'error', message: 'open /a: permission denied', fatal: false }), { level: 'warning', message: 'open /a: permission denied' });
    assert.deepEqual(logLineOf({ kind: 'error', message: 'Fatal: wrong password', fatal: true }), { level: 'error', message: 'Fatal: wrong password' });
    assert.equal(logLineOf({ kind: 'error', message: 'x'.repeat(5000), fatal: true })!.message.length, 1000);
    assert.equal(logLineOf({ kind: 'phase', phase: 'transferring' }), null);
  });

  it('cancels an interrupted run and exits 130 for SIGINT, 143 for SIGTERM', () => {
    const tracker = new JobTracker('restic');
    feed(tracker, parseResticLine, [restic.status()]);
    const sigint = decideOutcome(tracker, exit({ code: 130, interruptedBy: 'SIGINT' }));
    assert.deepEqual([sigint.status, sigint.exitCode, sigint.final.details?.cancelled_by], ['cancelled', 130, 'SIGINT']);
    assert.equal(decideOutcome(tracker, exit({ code: null, signal: 'SIGTERM', interruptedBy: 'SIGTERM' })).exitCode, 143);
  });

  it('completes a run whose summary arrived before the interrupt', () => {
    const tracker = new JobTracker('restic');
    feed(tracker, parseResticLine, [restic.summary()]);
    assert.equal(decideOutcome(tracker, exit({ code: 0, interruptedBy: 'SIGINT' })).status, 'completed');
  });

  it('follows borg through its cache transaction, completes exit 1 (warnings) and fails exit 2 with borg\'s message', () => {
    const tracker = new JobTracker('borg');
    const phases = feed(tracker, parseBorgLine, [
      borg.archiveProgress({ original_size: 0, nfiles: 0 }), borg.progressMessage('cache.begin_transaction'), borg.archiveProgress(),
      borg.archiveFinished(), borg.progressMessage('cache.commit'),
    ]).map((r) => r.current_phase);
    assert.deepEqual(phases, ['scanning', 'transferring', 'finalizing']);
    assert.equal(tracker.bytesDone, 52428800);
    assert.equal(decideOutcome(tracker, exit({ code: 1 })).status, 'completed');
    assert.equal(decideOutcome(tracker, exit({ code: 1 })).final.warnings_count, 1, 'borg exit 1 is a success with warnings even when no warning line was read');
    const failing = new JobTracker('borg');
    feed(failing, parseBorgLine, [borg.log('ERROR', 'Repository /x does not exist.')]);
    assert.equal(decideOutcome(failing, exit({ code: 2 })).error, 'Repository /x does not exist. (exit code 2)');
  });

  it('reports a command that could not start as failed with exit 127', () => {
    const outcome = decideOutcome(new JobTracker(null), exit({ code: null, spawnError: 'cannot start resitc: command not found' }));
    assert.deepEqual([outcome.status, outcome.exitCode], ['failed', 127]);
    assert.equal(outcome.error, 'cannot start resitc: command not found');
  });
});
