import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import type { ChartSvg } from './charts.js';
import { dateTime } from './format.js';
import type { ReportFonts } from './fonts.js';
import { printable } from './text.js';

/** A4 in points, with the report's margins and the band the footer prints in. */
export const PAGE = { width: 595.28, height: 841.89, margin: 40, footer_pt: 24 } as const;
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - PAGE.footer_pt;
const INK = '#212121';
const MUTED = '#616161';
const RULE = '#bdbdbd';

export interface Column {
  header: string;
  width_pt: number;
  align?: 'left' | 'right';
  /** Lines a cell may wrap to before it ends with an ellipsis. Default 1. */
  max_lines?: number;
}

/**
 * The report's page furniture over one pdfkit document: a title, KPI grids, charts (ECharts SVG drawn
 * as vectors), tables that repeat their header row on each page, and on `end()` the footer of every
 * page ("Page 2 of 5", generation time). Every string passes through `printable` here, so no caller
 * can print untrusted text raw.
 */
export class ReportWriter {
  readonly doc: PDFKit.PDFDocument;

  constructor(private readonly fonts: ReportFonts, private readonly generatedAtMs: number, title: string) {
    this.doc = new PDFDocument({
      size: 'A4', margin: PAGE.margin, bufferPages: true,
      info: { Title: this.plain(title, 300), Creator: 'Backup Telemetry', CreationDate: new Date(generatedAtMs) },
    });
    this.doc.registerFont('body', fonts.regular);
    this.doc.registerFont('bold', fonts.bold);
    this.doc.font('body').fillColor(INK);
  }

  /** Untrusted or not, what may be printed of `text` in at most `maxChars` characters. */
  plain(text: string | null | undefined, maxChars = 200): string {
    return printable(text, this.fonts.hasGlyph, maxChars);
  }

  title(main: string, subtitle: string): void {
    this.doc.font('bold').fontSize(18).fillColor(INK).text(this.plain(main, 160), { width: CONTENT_WIDTH });
    this.doc.font('body').fontSize(11).fillColor(MUTED).text(this.plain(subtitle), { width: CONTENT_WIDTH });
    this.doc.moveDown(0.8).fillColor(INK);
  }

  heading(text: string): void {
    this.room(40);
    this.doc.moveDown(0.6).font('bold').fontSize(13).fillColor(INK).text(this.plain(text), PAGE.margin, this.doc.y, { width: CONTENT_WIDTH });
    this.doc.moveDown(0.3).font('body');
  }

  paragraph(text: string, maxChars = 600): void {
    this.room(20);
    this.doc.font('body').fontSize(9).fillColor(INK).text(this.plain(text, maxChars), PAGE.margin, this.doc.y, { width: CONTENT_WIDTH });
  }

  /** Label/value pairs, three to a row. */
  kpis(pairs: readonly (readonly [string, string])[]): void {
    const perRow = 3;
    const cellWidth = CONTENT_WIDTH / perRow;
    for (let i = 0; i < pairs.length; i += perRow) {
      this.room(36);
      const y = this.doc.y;
      let rowHeight = 0;
      pairs.slice(i, i + perRow).forEach(([label, value], j) => {
        const x = PAGE.margin + j * cellWidth;
        this.doc.font('body').fontSize(8).fillColor(MUTED).text(this.plain(label), x, y, { width: cellWidth - 8 });
        const text = this.plain(value, 160);
        const options = { width: cellWidth - 8, height: 40, ellipsis: true };
        this.doc.font('bold').fontSize(11).fillColor(INK).text(text, x, y + 11, options);
        rowHeight = Math.max(rowHeight, 11 + Math.min(40, this.doc.heightOfString(text, options)));
      });
      this.doc.x = PAGE.margin;
      this.doc.y = y + rowHeight + 8;
    }
    this.doc.font('body').fillColor(INK);
  }

  /** Charts side by side on one band (each `chart.width` points wide). */
  charts(charts: readonly ChartSvg[]): void {
    const height = Math.max(...charts.map((c) => c.height));
    this.room(height + 10);
    const y = this.doc.y;
    let x = PAGE.margin;
    for (const chart of charts) {
      SVGtoPDF(this.doc, chart.svg, x, y, {
        width: chart.width, height: chart.height, assumePt: true,
        fontCallback: (_family, bold) => (bold ? 'bold' : 'body'),
      });
      x += chart.width + 15;
    }
    this.doc.font('body').fillColor(INK).strokeColor(INK);
    this.doc.x = PAGE.margin;
    this.doc.y = y + height + 10;
  }

  /** A table whose header row repeats at the top of every page it runs onto. */
  table(columns: readonly Column[], rows: readonly (readonly string[])[], fontSize = 8): void {
    const lineHeight = fontSize * 1.25;
    const cellOptions = (c: Column) => ({ width: c.width_pt - 4, height: lineHeight * (c.max_lines ?? 1), ellipsis: true, align: c.align ?? 'left' });
    const header = () => {
      const y = this.doc.y;
      this.doc.font('bold').fontSize(fontSize).fillColor(INK);
      let x = PAGE.margin;
      for (const c of columns) {
        this.doc.text(c.header, x + 2, y, { ...cellOptions(c), height: lineHeight });
        x += c.width_pt;
      }
      this.doc.moveTo(PAGE.margin, y + lineHeight + 1).lineTo(PAGE.margin + CONTENT_WIDTH, y + lineHeight + 1).lineWidth(0.7).strokeColor(INK).stroke();
      this.doc.y = y + lineHeight + 4;
      this.doc.font('body');
    };
    this.room(lineHeight * 3);
    header();
    for (const raw of rows) {
      const cells = raw.map((text, i) => this.plain(text, columns[i]!.max_lines ? 120 * columns[i]!.max_lines! : 120));
      this.doc.font('body').fontSize(fontSize);
      // Only cells that may wrap are measured: a one-line cell is one line high (measuring costs a layout).
      const height = Math.max(lineHeight, ...cells.map((text, i) => ((columns[i]!.max_lines ?? 1) === 1 || text === ''
        ? lineHeight
        : Math.min(cellOptions(columns[i]!).height, this.doc.heightOfString(text, cellOptions(columns[i]!))))));
      if (this.doc.y + height > BOTTOM) {
        this.doc.addPage();
        header();
      }
      const y = this.doc.y;
      let x = PAGE.margin;
      cells.forEach((text, i) => {
        this.doc.fillColor(INK).text(text, x + 2, y, cellOptions(columns[i]!));
        x += columns[i]!.width_pt;
      });
      this.doc.moveTo(PAGE.margin, y + height + 1).lineTo(PAGE.margin + CONTENT_WIDTH, y + height + 1).lineWidth(0.3).strokeColor(RULE).stroke();
      this.doc.x = PAGE.margin;
      this.doc.y = y + height + 3;
    }
    this.doc.strokeColor(INK);
  }

  /** Starts a new page unless `heightPt` still fits above the footer. */
  room(heightPt: number): void {
    if (this.doc.y + heightPt > BOTTOM) this.doc.addPage();
  }

  /** Footers on every page, then the end of the document (the stream it is piped to ends with it). */
  end(): void {
    const { start, count } = this.doc.bufferedPageRange();
    const generated = `Generated ${dateTime(this.generatedAtMs)} UTC by Backup Telemetry`;
    for (let i = start; i < start + count; i++) {
      this.doc.switchToPage(i);
      const margins = this.doc.page.margins;
      const bottom = margins.bottom;
      margins.bottom = 0; // writing inside the bottom margin must not open a new page
      const y = PAGE.height - PAGE.margin - 10;
      this.doc.font('body').fontSize(8).fillColor(MUTED);
      this.doc.text(generated, PAGE.margin, y, { width: CONTENT_WIDTH / 2, lineBreak: false });
      this.doc.text(`Page ${i - start + 1} of ${count}`, PAGE.margin + CONTENT_WIDTH / 2, y, { width: CONTENT_WIDTH / 2, align: 'right', lineBreak: false });
      margins.bottom = bottom;
    }
    this.doc.end();
  }
}

export const CONTENT_WIDTH_PT = CONTENT_WIDTH;
