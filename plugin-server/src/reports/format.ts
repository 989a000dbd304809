import { bpsToMibps, formatBytes, formatDuration } from '@backup-telemetry/contract';

const pad = (n: number) => String(n).padStart(2, '0');

/** Epoch ms → `2026-12-01` (UTC); the report says its dates are UTC. */
export function day(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Epoch ms (or ISO) → `2026-12-01 14:05` (UTC, as the report's subtitle says); `—` when missing. */
export function dateTime(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return '—';
  const ms = typeof at === 'string' ? Date.parse(at) : at;
  if (Number.isNaN(ms)) return '—';
  const d = new Date(ms);
  return `${day(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export const bytes = (n: number | null | undefined) => (n === null || n === undefined ? '—' : formatBytes(n));
export const duration = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? '—' : formatDuration(seconds));
export const speed = (bps: number | null | undefined) => (bps === null || bps === undefined || bps <= 0 ? '—' : `${bpsToMibps(bps).toFixed(1)} MiB/s`);
export const percent = (p: number | null | undefined) => (p === null || p === undefined ? '—' : `${p.toFixed(1)}%`);
export const count = (n: number) => n.toLocaleString('en-US');
