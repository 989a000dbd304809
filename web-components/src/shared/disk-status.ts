import { isKnownDiskStatus, type DiskStatus, type KnownDiskStatus } from '@backup-telemetry/contract';

/** How a disk status is coloured: by what it means to the admin, not by its word. */
export type DiskStatusTone = 'waiting' | 'active' | 'success' | 'warning' | 'error' | 'neutral';

const TONES: Record<KnownDiskStatus, DiskStatusTone> = {
  pending: 'waiting', queued: 'waiting', waiting: 'waiting',
  snapshotting: 'active', running: 'active', transferring: 'active', verifying: 'active',
  completed: 'success', skipped: 'warning', cancelled: 'warning', failed: 'error',
};

/** The tone of a known status; an unknown token (the backup product's own word) is shown neutrally. */
export function diskStatusTone(status: DiskStatus): DiskStatusTone {
  return isKnownDiskStatus(status) ? TONES[status] : 'neutral';
}
