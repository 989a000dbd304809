import { visibleBidiControls, wellFormed } from '@backup-telemetry/contract';

/** Line breaks and tabs: a space, so one value stays on its own lines of the table. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
/** C0/C1 controls and invisible format characters (zero-width, BOM): removed. */
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u200B-\u200D\u2060\uFEFF]/g;
const ELLIPSIS = '…';
/** Shown for a character the report's font cannot draw (the font has U+FFFD). */
export const MISSING_GLYPH = '\uFFFD';

/**
 * Untrusted text (VM names, error messages, phases) as the report prints it: one line of plain
 * characters with bidi controls shown as `[U+202E]`, controls removed, characters the font cannot
 * draw replaced by U+FFFD, and at most `maxChars` characters (code points), the last one an ellipsis.
 * PDF text is never interpreted as markup, so `<script>` prints as those characters.
 */
export function printable(text: string | null | undefined, hasGlyph: (codePoint: number) => boolean, maxChars = 200): string {
  if (!text) return '';
  const plain = visibleBidiControls(wellFormed(text.replace(BREAKS, ' ').replace(INVISIBLE, ''))).trim();
  const chars = Array.from(plain, (c) => (hasGlyph(c.codePointAt(0)!) ? c : MISSING_GLYPH));
  return chars.length > maxChars ? chars.slice(0, maxChars - 1).join('') + ELLIPSIS : chars.join('');
}

/** An ASCII filename for `Content-Disposition` (no quotes, slashes or controls) and its RFC 5987 `filename*` twin. */
export function attachmentHeader(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '').slice(0, 120) || 'report';
  const encoded = encodeURIComponent(`${name}.pdf`).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}.pdf"; filename*=UTF-8''${encoded}`;
}
