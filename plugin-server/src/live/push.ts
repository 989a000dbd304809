import { rooms, SERVER_EVENTS, type JobEndedEvent, type JobLogEvent, type JobStaleEvent, type JobUpdateEvent, type MachineProtectionEvent } from '@backup-telemetry/contract';
import type { Namespace } from 'socket.io';
import { Adapter, SessionAwareAdapter } from 'socket.io-adapter';
import type { TelemetryEvents } from '../events.js';

const ENDED_EVENT = { completed: SERVER_EVENTS.completed, failed: SERVER_EVENTS.failed, cancelled: SERVER_EVENTS.cancelled } as const;

/**
 * With Socket.IO's own in-memory adapter every viewer is a socket of this server, so an event for
 * rooms nobody joined need not be encoded at all (the case of most jobs, most of the time: Socket.IO
 * encodes a broadcast before it looks for members). Any other adapter (Redis) may have viewers on
 * other instances: there every event is broadcast.
 */
export function watchedRooms(nsp: Namespace): (names: string[]) => boolean {
  const local = nsp.adapter.constructor === Adapter || nsp.adapter.constructor === SessionAwareAdapter;
  if (!local) return () => true;
  return (names) => names.some((name) => (nsp.adapter.rooms.get(name)?.size ?? 0) > 0);
}

/**
 * Forwards post-commit events to the rooms of the job and of its VM (a job's `job:log` to its own room only), and a VM's protection changes
 * (`machine:at_risk`, `machine:protected`) to its VM's room and the fleet's. With the Redis adapter
 * the emit reaches viewers connected to every hub instance. Returns a function that stops forwarding.
 */
export function forwardEvents(events: TelemetryEvents, nsp: Namespace): () => void {
  const watched = watchedRooms(nsp);
  const roomsOf = (job: { backup_id: string; vm_name: string }) => [rooms.job(job.backup_id), rooms.vm(job.vm_name)];
  const targets = (job: { backup_id: string; vm_name: string }) => nsp.to(roomsOf(job));
  const onUpdate = (e: JobUpdateEvent) => {
    const names = roomsOf(e.job);
    if (watched(names)) nsp.to(names).emit(SERVER_EVENTS.update, e);
  };
  const onEnded = (e: JobEndedEvent) => {
    const name = ENDED_EVENT[e.job.status as keyof typeof ENDED_EVENT];
    if (name) targets(e.job).emit(name, e);
  };
  const onStale = (e: JobStaleEvent) => targets(e.job).emit(SERVER_EVENTS.stale, e);
  // A log is a job's own: its room only (a VM's viewers see its jobs' updates, not every line).
  const onLog = (e: JobLogEvent) => {
    const names = [rooms.job(e.job_id)];
    if (watched(names)) nsp.to(names).emit(SERVER_EVENTS.log, e);
  };
  const protectionChange = (event: typeof SERVER_EVENTS.machineAtRisk | typeof SERVER_EVENTS.machineProtected) => (e: MachineProtectionEvent) => {
    const names = [rooms.fleet, rooms.vm(e.vm_name)];
    if (watched(names)) nsp.to(names).emit(event, e);
  };
  const onAtRisk = protectionChange(SERVER_EVENTS.machineAtRisk);
  const onProtected = protectionChange(SERVER_EVENTS.machineProtected);
  events.on('job:update', onUpdate);
  events.on('job:ended', onEnded);
  events.on('job:stale', onStale);
  events.on('job:log', onLog);
  events.on('machine:at_risk', onAtRisk);
  events.on('machine:protected', onProtected);
  return () => {
    events.off('job:update', onUpdate);
    events.off('job:ended', onEnded);
    events.off('job:stale', onStale);
    events.off('job:log', onLog);
    events.off('machine:at_risk', onAtRisk);
    events.off('machine:protected', onProtected);
  };
}
