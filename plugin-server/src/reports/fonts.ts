import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';

const require = createRequire(import.meta.url);

/**
 * DejaVu Sans (from the dejavu-fonts-ttf package), embedded and subset by pdfkit: it draws Latin,
 * Greek, Cyrillic, Hebrew, Arabic and many symbols, where pdfkit's built-in Helvetica stops at
 * WinAnsi. Characters it lacks (CJK, for one) print as U+FFFD (see `printable`).
 */
export interface ReportFonts {
  regular: Buffer;
  bold: Buffer;
  hasGlyph(codePoint: number): boolean;
}

/** Reads and parses the fonts (about 1.5 MB): a router does it once, on its first report. */
export function loadReportFonts(): ReportFonts {
  const regular = readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
  const bold = readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'));
  const face = fontkit.create(regular) as fontkit.Font;
  const known = new Map<number, boolean>();
  const hasGlyph = (cp: number) => {
    let has = known.get(cp);
    if (has === undefined) known.set(cp, (has = face.hasGlyphForCodePoint(cp)));
    return has;
  };
  return { regular, bold, hasGlyph };
}
