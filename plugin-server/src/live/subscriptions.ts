import { invalid, rooms, validateJobId, type SubscribeAck } from '@backup-telemetry/contract';
import type { Socket } from 'socket.io';
import { requireJob, toApiJob } from '../queries/backups.js';
import { jobHistory } from '../queries/history.js';
import type { LiveContext } from './context.js';

/** `{job_id}` or `{vm_name}` → the room it names. */
export function roomOf(request: unknown): { room: string; job_id?: string; vm_name?: string } {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) throw invalid('body', 'must be {job_id} or {vm_name}');
  const { job_id, vm_name } = request as { job_id?: unknown; vm_name?: unknown };
  if (job_id !== undefined) {
    const id = validateJobId(job_id);
    return { room: rooms.job(id), job_id: id };
  }
  if (typeof vm_name === 'string' && vm_name.length > 0 && vm_name.length <= 255) return { room: rooms.vm(vm_name), vm_name };
  throw invalid('job_id', 'or vm_name is required');
}

/** A viewer joins a job's or a VM's room; subscribing to a job answers with its current state at once. */
export async function subscribe(ctx: LiveContext, socket: Socket, request: unknown): Promise<SubscribeAck> {
  ctx.readLimiter.hit(socket.handshake.address);
  const target = roomOf(request);
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
