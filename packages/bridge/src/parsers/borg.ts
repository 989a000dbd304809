import { count, facts, jsonObject, NONE, text, whole, type LineParser, type ParsedLine, type ToolEvent } from './types.js';

/**
 * borg 1.x `create --log-json --progress` lines on stderr (borg's "All about JSON" frontend docs,
 * checked against borg 1.2.4): `archive_progress` (sizes so far, no total: borg does not scan first),
 * `progress_message` (cache transaction begin/commit), `progress_percent`, `log_message`,
 * `file_status` (with `--list`) and prompts. JSON log records are shown as the text borg would have
 * printed without `--log-json`.
 */
export const parseBorgLine: LineParser = (line) => {
  const m = jsonObject(line);
  if (m === null || typeof m.type !== 'string') return null;
  switch (m.type) {
    case 'archive_progress':
      return archiveProgress(m);
    case 'progress_message':
      if (m.msgid === 'cache.begin_transaction') return { event: { kind: 'phase', phase: 'scanning' }, echo: NONE };
      if (m.msgid === 'cache.commit') return { event: { kind: 'phase', phase: 'finalizing' }, echo: NONE };
      return { echo: NONE };
    case 'progress_percent':
      // Sub-operations (cache sync, segment checks) whose percent is not the backup's.
      return { echo: NONE };
    case 'log_message':
      return logMessage(m);
    case 'file_status':
      return { echo: { kind: 'text', text: `${text(m.status) ?? '?'} ${text(m.path) ?? ''}` } };
    default:
      if (m.type.startsWith('question_') && typeof m.message === 'string') return { echo: { kind: 'text', text: m.message } };
      return null;
  }
};

function archiveProgress(m: Record<string, unknown>): ParsedLine {
  if (m.finished === true) return { event: { kind: 'phase', phase: 'finalizing' }, echo: NONE };
  const original = whole(m.original_size) ?? 0;
  return {
    event: {
      kind: 'progress',
      phase: original > 0 ? 'transferring' : 'scanning',
      bytes_done: original,
      facts: facts({
        original_bytes: original,
        compressed_bytes: whole(m.compressed_size),
        data_added_bytes: whole(m.deduplicated_size),
        files_done: whole(m.nfiles),
      }),
    },
    echo: NONE,
  };
}

function logMessage(m: Record<string, unknown>): ParsedLine {
  const message = text(m.message) ?? '';
  const level = text(m.levelname) ?? 'INFO';
  const echo = { kind: 'text' as const, text: message };
  if (level === 'ERROR' || level === 'CRITICAL') return { event: { kind: 'error', message, fatal: true }, echo };
  if (level === 'WARNING') return { event: { kind: 'error', message, fatal: false }, echo };
  return { echo };
}


/**
 * The single JSON document `borg create --json` prints on stdout when it is done: the archive's
 * final sizes. Returns null for anything else (text `--stats`, no output).
 */
export function parseBorgCreateJson(stdout: string): ToolEvent | null {
  const doc = jsonObject(stdout.trim().replace(/\s*\n\s*/g, ' '));
  const archive = doc?.archive;
  if (archive === null || typeof archive !== 'object') return null;
  const a = archive as Record<string, unknown>;
  const stats = (a.stats !== null && typeof a.stats === 'object' ? a.stats : {}) as Record<string, unknown>;
  const original = whole(stats.original_size);
  if (original === undefined) return null;
  const duration = count(a.duration);
  return {
    kind: 'summary',
    bytes_processed: original,
    facts: facts({
      archive_name: text(a.name),
      archive_id: text(a.id),
      original_bytes: original,
      compressed_bytes: whole(stats.compressed_size),
      data_added_bytes: whole(stats.deduplicated_size),
      files_done: whole(stats.nfiles),
      total_files_processed: whole(stats.nfiles),
      total_duration_seconds: duration === undefined ? undefined : Math.round(duration * 1000) / 1000,
    }),
  };
}
