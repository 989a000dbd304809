import type { BackupType } from '@backup-telemetry/contract';
import { FLEET, type VmProfile } from './fleet.js';
import { FAILURE_MESSAGES, type Outcome, type Rng } from './scenarios.js';

/** The schedule of a history backfill: nightly jobs per VM over the last days. Pure. */

export interface HistoryEntry {
  vm: VmProfile;
  backup_type: BackupType;
  outcome: Outcome;
  /** When the job would have started (epoch ms). */
  start_ms: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The hub rejects client timestamps older than 7 days; keep a margin for slow runs. */
export const MAX_HISTORY_MS = 6.5 * DAY;

/** A fleet's history is written to the database, not sent through the API: it may reach further back. */
export const MAX_FLEET_HISTORY_MS = 90 * DAY;

/**
 * `3d` → 3 days, `36h` → 36 hours, in milliseconds. Throws on anything else or beyond `maxMs`: by
 * default the hub's 7-day window for telemetry (6.5 days), `MAX_FLEET_HISTORY_MS` for `--fleet`.
 */
export function parseSpan(text: string, maxMs = MAX_HISTORY_MS): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h)$/.exec(text.trim());
  if (!m) throw new Error(`--history expects a span like 3d or 36h, got ${JSON.stringify(text)}`);
  const ms = Number(m[1]) * (m[2] === 'd' ? DAY : HOUR);
  if (ms <= 0) throw new Error('--history must be longer than 0');
  if (ms > maxMs) {
    throw new Error(maxMs === MAX_HISTORY_MS
      ? `--history can reach back at most 6.5 days (the hub rejects telemetry stamped more than 7 days ago; --fleet writes up to 90d into the database), got ${text}`
      : `--history can reach back at most ${maxMs / DAY} days with --fleet, got ${text}`);
  }
  return ms;
}

/**
 * Nightly backups between 22:00 and 23:30 for each VM over the span before `nowMs`: a full on the
 * oldest night and on Sundays, incrementals otherwise, about one in eight failing with a message.
 * Sorted oldest first.
 */
export function historySchedule(rng: Rng, spanMs: number, nowMs: number, vms: readonly VmProfile[] = FLEET): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const firstNight = startOfDay(nowMs - spanMs);
  for (let night = firstNight; night < nowMs; night += DAY) {
    for (const vm of vms) {
      const start = night + 22 * HOUR + Math.floor(rng() * 90) * 60_000;
      if (start < nowMs - spanMs || start > nowMs - 10 * 60_000) continue;
      const sunday = new Date(start).getDay() === 0;
      const oldest = !entries.some((e) => e.vm.vm_name === vm.vm_name);
      const outcome: Outcome = rng() < 0.125
        ? { kind: 'fail', at_percent: 20 + Math.floor(rng() * 60), error: FAILURE_MESSAGES[Math.floor(rng() * FAILURE_MESSAGES.length)] }
        : { kind: 'complete' };
      entries.push({ vm, backup_type: oldest || sunday ? 'full' : 'incremental', outcome, start_ms: start });
    }
  }
  return entries.sort((a, b) => a.start_ms - b.start_ms);
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
