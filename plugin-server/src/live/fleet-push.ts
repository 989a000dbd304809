import { rooms, SERVER_EVENTS, type BackupJob, type MachineProtectionEvent, type MachineUpdateEvent, type Protection } from '@backup-telemetry/contract';
import type { Namespace } from 'socket.io';
import type { TelemetryEvents } from '../events.js';
import { errorText } from '../error-text.js';
import type { Logger } from '../logger.js';
import { machineProtection } from '../protection/machine.js';
import type { DefaultPolicy } from '../protection/status-sql.js';
import type { Store } from '../store/index.js';

/** How long a VM's protection read for a push is reused while its jobs only progress (a job end re-reads it at once). */
export const FLEET_PROTECTION_TTL_MS = 60_000;

export interface FleetPushOptions {
  /** `fleetPushIntervalMs`: one push per VM per interval at most. */
  intervalMs: number;
  now: () => number;
  defaults: DefaultPolicy;
  logger: Logger;
  /** False when nobody anywhere can be in the fleet room (see `watchedRooms`): then nothing is queued. */
  watched: (names: string[]) => boolean;
}

type Compact = Pick<Protection, 'status' | 'reason'>;

/** What a push says of a job: its progress, nothing heavy. */
export function compactJob(job: BackupJob): NonNullable<MachineUpdateEvent['last_job']> {
  return { backup_id: job.backup_id, status: job.status, progress_percent: job.progress_percent, transfer_speed_bps: job.transfer_speed_bps, current_phase: job.current_phase };
}

/**
 * `machine:update` to `{fleet: true}` viewers: every committed job change of this instance marks its
 * VM; each `intervalMs` the marked VMs are pushed once, with the newest job state seen (latest
 * wins). A VM's protection is read (summary and policy) after one of its jobs ended, else reused for
 * `FLEET_PROTECTION_TTL_MS`; `machine:at_risk` / `machine:protected` refresh it. Forwarding the
 * protection events themselves is push.ts's.
 */
export function forwardFleetUpdates(events: TelemetryEvents, nsp: Namespace, store: Store, options: FleetPushOptions): () => Promise<void> {
  let due = new Map<string, { job: BackupJob; ended: boolean }>();
  const known = new Map<string, { protection: Compact; read_at: number }>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;
  let stopped = false;

  const protectionOf = async (vmName: string, ended: boolean): Promise<Compact> => {
    const nowMs = options.now();
    const cached = known.get(vmName);
    if (cached && !ended && nowMs - cached.read_at < FLEET_PROTECTION_TTL_MS) return cached.protection;
    const [summary, policy] = await Promise.all([store.summaries.ofMachine(store.knex, vmName), store.policies.find(store.knex, vmName)]);
    const input = summary ?? { first_seen_at: nowMs, last_success_at: null, last_ended_status: null, last_failure_error: null, consecutive_failures: 0 };
    const { status, reason } = machineProtection(input, policy, options.defaults, nowMs);
    known.set(vmName, { protection: { status, reason }, read_at: nowMs });
    return { status, reason };
  };

  const flush = async () => {
    timer = null;
    const batch = due;
    due = new Map();
    for (const [vm_name, { job, ended }] of batch) {
      if (stopped) return;
      try {
        const update: MachineUpdateEvent = { vm_name, protection: await protectionOf(vm_name, ended), last_job: compactJob(job) };
        if (!stopped) nsp.to(rooms.fleet).emit(SERVER_EVENTS.machineUpdate, update);
      } catch (error) {
        options.logger.warn({ err: errorText(error), vm_name }, 'fleet push skipped');
      }
    }
  };
  const schedule = () => {
    if (timer || flushing || stopped || due.size === 0) return;
    timer = setTimeout(() => {
      flushing = flush().finally(() => {
        flushing = null;
        schedule();
      });
    }, options.intervalMs);
  };
  const mark = (job: BackupJob, ended: boolean) => {
    if (!options.watched([rooms.fleet])) return;
    // An end stays marked even if a later event of the VM (another job's progress) replaces the state shown.
    due.set(job.vm_name, { job, ended: ended || (due.get(job.vm_name)?.ended ?? false) });
    schedule();
  };
  const onUpdate = (e: { job: BackupJob }) => mark(e.job, false);
  const onEnded = (e: { job: BackupJob }) => mark(e.job, true);
  const onProtection = (e: MachineProtectionEvent) => {
    known.set(e.vm_name, { protection: { status: e.protection.status, reason: e.protection.reason }, read_at: options.now() });
  };
  events.on('job:update', onUpdate);
  events.on('job:ended', onEnded);
  events.on('job:stale', onUpdate);
  events.on('machine:at_risk', onProtection);
  events.on('machine:protected', onProtection);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    events.off('job:update', onUpdate);
    events.off('job:ended', onEnded);
    events.off('job:stale', onUpdate);
    events.off('machine:at_risk', onProtection);
    events.off('machine:protected', onProtection);
    await flushing;
  };
}
