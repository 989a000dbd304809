import { rooms, SERVER_EVENTS, type JobEndedEvent, type JobStaleEvent, type JobUpdateEvent } from '@backup-telemetry/contract';
import type { Namespace } from 'socket.io';
import type { TelemetryEvents } from '../events.js';

const ENDED_EVENT = { completed: SERVER_EVENTS.completed, failed: SERVER_EVENTS.failed, cancelled: SERVER_EVENTS.cancelled } as const;

/**
 * Forwards post-commit events to the rooms of the job and of its VM. With the Redis adapter the
 * emit reaches viewers connected to every hub instance. Returns a function that stops forwarding.
 */
export function forwardEvents(events: TelemetryEvents, nsp: Namespace): () => void {
  const targets = (job: { backup_id: string; vm_name: string }) => nsp.to([rooms.job(job.backup_id), rooms.vm(job.vm_name)]);
  const onUpdate = (e: JobUpdateEvent) => targets(e.job).emit(SERVER_EVENTS.update, e);
  const onEnded = (e: JobEndedEvent) => {
    const name = ENDED_EVENT[e.job.status as keyof typeof ENDED_EVENT];
    if (name) targets(e.job).emit(name, e);
  };
  const onStale = (e: JobStaleEvent) => targets(e.job).emit(SERVER_EVENTS.stale, e);
  events.on('job:update', onUpdate);
  events.on('job:ended', onEnded);
  events.on('job:stale', onStale);
  return () => {
    events.off('job:update', onUpdate);
    events.off('job:ended', onEnded);
    events.off('job:stale', onStale);
  };
}
