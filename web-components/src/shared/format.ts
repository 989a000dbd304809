export { formatBytes, formatDuration, bpsToMibps } from '@backup-telemetry/contract';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** Escapes text for the few places (ECharts HTML tooltips) where a string becomes markup. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** ISO timestamp → `Oct 10, 14:28` in local time; `—` when missing or invalid. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Seconds → `mm:ss` (or `h:mm:ss` past an hour), for chart axes. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** A chart point's speed (bytes per second, as the API sends it) in MiB/s, unrounded, for drawing. */
export function pointMibps(bps: number): number {
  return bps / 1_048_576;
}

/** MiB/s with one decimal, e.g. `182.4 MiB/s`. */
export function formatMibps(mibps: number | null | undefined): string {
  return mibps == null || !Number.isFinite(mibps) ? '—' : `${mibps.toFixed(1)} MiB/s`;
}

export function formatPercent(percent: number | null | undefined, digits = 0): string {
  return percent == null || !Number.isFinite(percent) ? '—' : `${percent.toFixed(digits)}%`;
}

export function capitalize(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
