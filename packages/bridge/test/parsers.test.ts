import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBorgCreateJson, parseBorgLine } from '../src/parsers/borg.js';
import { parseResticLine } from '../src/parsers/restic.js';
import { borg, restic } from './support/lines.js';

describe('restic parser', () => {
  it('turns a status line into progress: bytes, total, percent 0-100, ETA and file counts, and swallows the line', () => {
    const parsed = parseResticLine(restic.status({ seconds_remaining: 7, files_done: 1 }), 'stdout');
    assert.deepEqual(parsed, {
      event: { kind: 'progress', phase: 'transferring', bytes_done: 31433290, total_bytes: 90000003, percent: 34.92587661358189, eta_seconds: 7, facts: { files_done: 1, total_files: 3 } },
      echo: { kind: 'none' },
    });
  });

  it('calls a status without bytes done scanning, and one with every byte read finalizing', () => {
    const phase = (over: object) => (parseResticLine(restic.status(over), 'stdout')?.event as { phase?: string }).phase;
    assert.equal(phase({ percent_done: 0, bytes_done: undefined, total_bytes: 60000000 }), 'scanning');
    assert.equal(phase({ percent_done: 1, bytes_done: 90000003 }), 'finalizing');
  });

  it('keeps the summary facts a backup admin wants, with units in their names, and shows the line', () => {
    const parsed = parseResticLine(restic.summary({ data_added_packed: 45000000 }), 'stdout');
    assert.equal(parsed?.echo.kind, 'raw');
    assert.deepEqual(parsed?.event, {
      kind: 'summary',
      bytes_processed: 90000003,
      facts: {
        snapshot_id: '0f5e2129', files_new: 3, files_changed: 0, files_unmodified: 0, dirs_new: 1, dirs_changed: 0, dirs_unmodified: 0,
        data_added_bytes: 90005160, data_added_packed_bytes: 45000000, total_files_processed: 3, files_done: 3,
        total_bytes_processed: 90000003, total_duration_seconds: 1.731,
      },
    });
  });

  it('reads item errors from restic 0.14 (empty error object) and 0.16+ (error.message) as non-fatal', () => {
    assert.deepEqual(parseResticLine(restic.error014(), 'stderr')?.event, { kind: 'error', message: 'error (archival /tmp/rt/d3/sub)', fatal: false });
    assert.deepEqual(parseResticLine(restic.error(), 'stderr')?.event, { kind: 'error', message: 'open /data/secret: permission denied (archival /data/secret)', fatal: false });
    const pathError = '{"message_type":"error","error":{"Op":"open","Path":"/srv/locked.db","Err":13},"during":"archival","item":"/srv/locked.db"}';
    assert.deepEqual(parseResticLine(pathError, 'stderr')?.event, { kind: 'error', message: 'open /srv/locked.db: permission denied (archival /srv/locked.db)', fatal: false });
  });

  it('takes exit_error (0.17+) and plain "Fatal:" text as the fatal error, still showing them', () => {
    assert.deepEqual(parseResticLine(restic.exitError(), 'stderr'), { event: { kind: 'error', message: 'Fatal: wrong password or no key found', fatal: true }, echo: { kind: 'raw' } });
    assert.deepEqual(parseResticLine('Fatal: wrong password or no key found', 'stderr'), { event: { kind: 'error', message: 'Fatal: wrong password or no key found', fatal: true }, echo: { kind: 'raw' } });
  });

  it('shows verbose lines as they are, taking the total from the 0.14 scan_finished record', () => {
    assert.deepEqual(parseResticLine(restic.verbose(), 'stdout'), { echo: { kind: 'raw' } });
    assert.deepEqual(parseResticLine(restic.scanFinished014(), 'stdout')?.event, { kind: 'progress', total_bytes: 90000003, facts: { total_files: 3 } });
  });

  it('does not understand text, other JSON, broken JSON or wrongly typed fields, and does not throw on them', () => {
    for (const l of ['using parent snapshot e08546e9', '{"message_type":"something_new"}', '[1,2]', '{"message_type":"status"', '', 'null']) {
      assert.equal(parseResticLine(l, 'stdout'), null, l);
    }
    const odd = parseResticLine(restic.status({ bytes_done: 'many', total_bytes: -1, percent_done: null }), 'stdout');
    assert.deepEqual(odd?.event, { kind: 'progress', phase: 'scanning', bytes_done: 0, total_bytes: undefined, percent: undefined, eta_seconds: undefined, facts: { total_files: 3 } });
  });
});

describe('borg parser', () => {
  it('turns archive_progress into bytes read, with compressed and deduplicated sizes as facts', () => {
    assert.deepEqual(parseBorgLine(borg.archiveProgress(), 'stderr'), {
      event: { kind: 'progress', phase: 'transferring', bytes_done: 52428800, facts: { original_bytes: 52428800, compressed_bytes: 52430012, data_added_bytes: 52430012, files_done: 2 } },
      echo: { kind: 'none' },
    });
  });

  it('maps the cache transaction and the finished archive to phases, swallowing progress noise', () => {
    assert.deepEqual(parseBorgLine(borg.progressMessage('cache.begin_transaction'), 'stderr')?.event, { kind: 'phase', phase: 'scanning' });
    assert.deepEqual(parseBorgLine(borg.archiveFinished(), 'stderr')?.event, { kind: 'phase', phase: 'finalizing' });
    assert.deepEqual(parseBorgLine(borg.progressMessage('cache.commit'), 'stderr')?.event, { kind: 'phase', phase: 'finalizing' });
    assert.deepEqual(parseBorgLine(borg.progressPercent(), 'stderr'), { echo: { kind: 'none' } });
  });

  it('shows log messages and file status as the text borg prints without --log-json; errors are fatal, warnings are not', () => {
    const wrong = parseBorgLine(borg.log('ERROR', 'passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.', { msgid: 'PassphraseWrong' }), 'stderr');
    assert.deepEqual(wrong, {
      event: { kind: 'error', message: 'passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.', fatal: true },
      echo: { kind: 'text', text: 'passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via BORG_PASSPHRASE_FD is incorrect.' },
    });
    assert.equal((parseBorgLine(borg.log('WARNING', 'data/x: file changed while we backed it up'), 'stderr')?.event as { fatal: boolean }).fatal, false);
    assert.deepEqual(parseBorgLine(borg.log('INFO', 'Creating archive'), 'stderr'), { echo: { kind: 'text', text: 'Creating archive' } });
    assert.deepEqual(parseBorgLine(borg.fileStatus('A', 'data/a.bin'), 'stderr'), { echo: { kind: 'text', text: 'A data/a.bin' } });
  });

  it('reads the final sizes from the borg create --json document', () => {
    assert.deepEqual(parseBorgCreateJson(borg.createJson()), {
      kind: 'summary',
      bytes_processed: 90000522,
      facts: {
        archive_name: 'a3', archive_id: '7a20e8db159040c8fc7d21283f49a961c620554cc6c07763bd0286357065b79a', original_bytes: 90000522,
        compressed_bytes: 90002033, data_added_bytes: 525, files_done: 3, total_files_processed: 3, total_duration_seconds: 0.088,
      },
    });
    assert.equal(parseBorgCreateJson('Archive name: a3\nNumber of files: 3\n'), null);
    assert.equal(parseBorgCreateJson(''), null);
  });

  it('does not understand text or JSON without a type', () => {
    assert.equal(parseBorgLine('Enter passphrase for key /tmp/repo:', 'stderr'), null);
    assert.equal(parseBorgLine('{"archive": {}}', 'stdout'), null);
  });
});
