import { html, type TemplateResult } from 'lit';
import { visibleBidiControls, type BackupJob } from '@backup-telemetry/contract';
import { capitalize, formatBytes, formatDateTime, formatDuration } from './format.js';

/** `Oct 10, 14:28 — Incremental`, the label of a job in selectors. */
export function jobLabel(job: BackupJob): string {
  const when = formatDateTime(job.started_at ?? job.created_at);
  const suffix = job.status === 'completed' ? '' : ` (${job.status})`;
  return `${when} — ${capitalize(job.type)}${suffix}`;
}

/** Size column: what was moved, out of the total while running. */
export function jobSize(job: BackupJob): string {
  if (job.status === 'running' && job.total_bytes > 0) return `${formatBytes(job.bytes_transferred)} / ${formatBytes(job.total_bytes)}`;
  const bytes = job.bytes_transferred || job.total_bytes;
  return bytes > 0 ? formatBytes(bytes) : '—';
}

/** Duration column; a job that never started (NULL started_at) has none. */
export function jobDuration(job: BackupJob): string {
  if (!job.started_at) return 'Not started';
  return formatDuration(job.duration_seconds);
}

/**
 * Text a client sent (error messages; names stored before the hub refused bidi controls in them),
 * isolated in a `<bdi>` so it cannot reorder the text around it, with each bidi control shown as its
 * code point (`[U+202E]`) so it cannot reorder the text itself.
 */
export function untrustedText(text: string): TemplateResult {
  return html`<bdi>${visibleBidiControls(text)}</bdi>`;
}
