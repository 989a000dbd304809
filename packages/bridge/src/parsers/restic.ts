import { count, facts, jsonObject, NONE, RAW, text, whole, type LineParser, type ParsedLine, type Phase } from './types.js';

/**
 * restic's `backup --json` lines (documented in restic's "Scripting" chapter, checked against restic
 * 0.14 and the 0.17/0.18 docs): `status` and `summary` on stdout, `error` and `exit_error` (0.17+) on
 * stderr, `verbose_status` with `-v`. Fatal errors before the backup starts (a wrong password, a missing
 * repository) are plain `Fatal: …` text on stderr in every version.
 */
export const parseResticLine: LineParser = (line) => {
  const message = jsonObject(line);
  if (message === null) return line.startsWith('Fatal: ') ? { event: { kind: 'error', message: line, fatal: true }, echo: RAW } : null;
  switch (message.message_type) {
    case 'status':
      // restic 0.14 prints its verbose `scan_finished` record with message_type "status".
      return message.action === undefined ? status(message) : verbose(message);
    case 'verbose_status':
      return verbose(message);
    case 'summary':
      return summary(message);
    case 'error':
      return { event: { kind: 'error', message: itemError(message), fatal: false }, echo: RAW };
    case 'exit_error':
      return { event: { kind: 'error', message: text(message.message) ?? `restic exited with code ${String(message.code)}`, fatal: true }, echo: RAW };
    default:
      return null;
  }
};

function status(m: Record<string, unknown>): ParsedLine {
  const bytesDone = whole(m.bytes_done) ?? 0;
  const totalBytes = whole(m.total_bytes);
  const fraction = count(m.percent_done);
  const percent = fraction === undefined ? undefined : Math.min(100, fraction * 100);
  return {
    event: {
      kind: 'progress',
      phase: phaseOf(bytesDone, totalBytes, fraction),
      bytes_done: bytesDone,
      total_bytes: totalBytes,
      percent,
      eta_seconds: count(m.seconds_remaining),
      facts: facts({ files_done: whole(m.files_done), total_files: whole(m.total_files), error_count: whole(m.error_count) }),
    },
    echo: NONE,
  };
}

/** Nothing read yet: scanning; everything read: finalizing (packs, index, snapshot); else transferring. */
function phaseOf(bytesDone: number, totalBytes: number | undefined, fraction: number | undefined): Phase {
  if (bytesDone === 0) return 'scanning';
  if ((fraction !== undefined && fraction >= 1) || (totalBytes !== undefined && bytesDone >= totalBytes)) return 'finalizing';
  return 'transferring';
}

function verbose(m: Record<string, unknown>): ParsedLine {
  if (m.action !== 'scan_finished') return { echo: RAW };
  return { event: { kind: 'progress', total_bytes: whole(m.data_size), facts: facts({ total_files: whole(m.total_files) }) }, echo: RAW };
}

function summary(m: Record<string, unknown>): ParsedLine {
  const bytes = whole(m.total_bytes_processed) ?? 0;
  return {
    event: {
      kind: 'summary',
      bytes_processed: bytes,
      facts: facts({
        snapshot_id: text(m.snapshot_id),
        files_new: whole(m.files_new),
        files_changed: whole(m.files_changed),
        files_unmodified: whole(m.files_unmodified),
        dirs_new: whole(m.dirs_new),
        dirs_changed: whole(m.dirs_changed),
        dirs_unmodified: whole(m.dirs_unmodified),
        data_added_bytes: whole(m.data_added),
        data_added_packed_bytes: whole(m.data_added_packed),
        total_files_processed: whole(m.total_files_processed),
        files_done: whole(m.total_files_processed),
        total_bytes_processed: bytes,
        total_duration_seconds: count(m.total_duration) === undefined ? undefined : Math.round(count(m.total_duration)! * 1000) / 1000,
        dry_run: m.dry_run === true ? true : undefined,
      }),
    },
    echo: RAW,
  };
}

/** Go's errno values in a serialised `os.PathError` (restic 0.14), as Go prints them. */
const ERRNO_TEXT: Record<number, string> = { 1: 'operation not permitted', 2: 'no such file or directory', 5: 'input/output error', 13: 'permission denied' };

/** A serialised Go `os.PathError` (`{"Op":"open","Path":…,"Err":13}`, restic 0.14) as Go's own text. */
function pathError(e: Record<string, unknown>): string | undefined {
  const op = text(e.Op);
  const path = text(e.Path);
  if (!op || !path) return undefined;
  const errno = whole(e.Err);
  return `${op} ${path}: ${errno === undefined ? 'error' : ERRNO_TEXT[errno] ?? `errno ${errno}`}`;
}

/** restic 0.14 serialises the Go error as `{}` (or, for a path, its `os.PathError` fields); 0.16+ gives `error.message`. */
function itemError(m: Record<string, unknown>): string {
  const object = m.error !== null && typeof m.error === 'object' ? (m.error as Record<string, unknown>) : null;
  const inner = object ? text(object.message) ?? pathError(object) : text(m.error);
  const where = [text(m.during), text(m.item)].filter(Boolean).join(' ');
  return [inner ?? 'error', where ? `(${where})` : ''].filter(Boolean).join(' ');
}
