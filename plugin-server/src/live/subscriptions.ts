import { invalid, rooms, validateJobId, type SubscribeAck } from '@backup-telemetry/contract';
import type { Socket } from 'socket.io';
import { requireJob, toApiJob } from '../queries/backups.js';
import { jobHistory } from '../queries/history.js';
import type { LiveContext } from './context.js';

/** `{job_id}`, `{vm_name}` or `{fleet: true}` → the room it names. */
export function roomOf(request: unknown): { room: string; job_id?: string; vm_name?: string; fleet?: true } {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) throw invalid('body', 'must be {job_id}, {vm_name} or {fleet: true}');
  const { job_id, vm_name, fleet } = request as { job_id?: unknown; vm_name?: unknown; fleet?: unknown };
  if (fleet !== undefined) {
    if (fleet !== true) throw invalid('fleet', 'must be true');
    return { room: rooms.fleet, fleet: true };
  }
  if (job_id !== undefined) {
    const id = validateJobId(job_id);
    return { room: rooms.job(id), job_id: id };
  }
  if (typeof vm_name === 'string' && vm_name.length > 0 && vm_name.length <= 255) return { room: rooms.vm(vm_name), vm_name };
  throw invalid('job_id', 'or vm_name is required');
}

/**
 * A viewer joins a job's, a VM's or the fleet's room; subscribing to a job answers with its current
 * state at once. The fleet's answers with nothing: its viewers read `GET /fleet/summary` and
 * `GET /machines` pages, then take `machine:update` pushes.
 */
export async function subscribe(ctx: LiveContext, socket: Socket, request: unknown): Promise<SubscribeAck> {
  ctx.readLimiter.hit(socket.handshake.address);
  const target = roomOf(request);
  if (target.fleet) {
    await ctx.access.checkViewer(socket.handshake, { fleet: true });
    await socket.join(target.room);
    return {};
  }
  if (!target.job_id) {
    await ctx.access.checkViewer(socket.handshake, { vm_name: target.vm_name });
    await socket.join(target.room);
    return {};
  }
  const stored = await requireJob(ctx.store, target.job_id, 'job_id');
  const row = stored.job;
  await ctx.access.checkViewer(socket.handshake, { job_id: row.id, vm_name: row.vm_name });
  await socket.join(target.room);
  const reply: SubscribeAck = { job: toApiJob(stored, ctx.now()) };
  if (row.status === 'running') {
    const history = await jobHistory(ctx.charts, row);
    if (history.data_source === 'live_snapshots') {
      reply.current_state = history.current_state;
      reply.chart_data = history.chart_data;
    }
  }
  return reply;
}

export async function unsubscribe(socket: Socket, request: unknown): Promise<void> {
  await socket.leave(roomOf(request).room);
}
