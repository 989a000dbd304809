import type { CalendarCell, CalendarOutcome } from '@backup-telemetry/contract';

/** Legend order, and each outcome's words and symbol (so a cell reads without its colour). */
export const OUTCOMES: readonly { outcome: CalendarOutcome; label: string; symbol: string }[] = [
  { outcome: 'success', label: 'Succeeded', symbol: '✓' },
  { outcome: 'mixed', label: 'Failed and succeeded', symbol: '±' },
  { outcome: 'failed', label: 'Failed', symbol: '✕' },
  { outcome: 'cancelled', label: 'Cancelled', symbol: '–' },
  { outcome: 'running', label: 'Running', symbol: '▸' },
  { outcome: 'none', label: 'No backup', symbol: '' },
];

export const OUTCOME_SYMBOL = Object.fromEntries(OUTCOMES.map((o) => [o.outcome, o.symbol])) as Record<CalendarOutcome, string>;

/** What a cell says to a screen reader and in its tooltip: `web-01, 2026-11-30: 1 failed of 2`. */
export function cellLabel(vmName: string, cell: CalendarCell): string {
  return `${vmName}, ${cell.date}: ${cellSummary(cell)}`;
}

/** The counts of a cell in words. */
export function cellSummary(cell: CalendarCell): string {
  if (cell.jobs === 0) return 'no backup';
  const parts: string[] = [];
  if (cell.failed > 0) parts.push(`${cell.failed} failed`);
  if (cell.completed > 0) parts.push(`${cell.completed} completed`);
  if (cell.cancelled > 0) parts.push(`${cell.cancelled} cancelled`);
  if (cell.running > 0) parts.push(`${cell.running} running`);
  return `${parts.join(', ')} of ${cell.jobs}`;
}

/** Grid position: row index, and column (0 = the machine's name, 1… = days). */
export interface GridPosition {
  row: number;
  col: number;
}

/** Where an arrow, Home/End (row start/end) or Ctrl+Home/End (grid corners) key moves the focus; null for other keys. */
export function moveInGrid(at: GridPosition, key: string, ctrl: boolean, rows: number, cols: number): GridPosition | null {
  const clamp = (p: GridPosition) => ({ row: Math.max(0, Math.min(rows - 1, p.row)), col: Math.max(0, Math.min(cols - 1, p.col)) });
  switch (key) {
    case 'ArrowRight': return clamp({ ...at, col: at.col + 1 });
    case 'ArrowLeft': return clamp({ ...at, col: at.col - 1 });
    case 'ArrowDown': return clamp({ ...at, row: at.row + 1 });
    case 'ArrowUp': return clamp({ ...at, row: at.row - 1 });
    case 'Home': return clamp(ctrl ? { row: 0, col: 0 } : { ...at, col: 0 });
    case 'End': return clamp(ctrl ? { row: rows - 1, col: cols - 1 } : { ...at, col: cols - 1 });
    default: return null;
  }
}
