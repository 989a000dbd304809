import { CLIENT_EVENTS, TELEMETRY_NAMESPACE, invalid } from '@backup-telemetry/contract';
import type { Namespace, Server, Socket } from 'socket.io';
import { originRefusal } from '../access/origin.js';
import type { TelemetryEvents } from '../events.js';
import { errorText } from '../error-text.js';
import { ackFrom } from './ack.js';
import type { LiveContext } from './context.js';
import { writeFlushesTogether } from './flush-writes.js';
import { forwardFleetUpdates } from './fleet-push.js';
import { forwardEvents, watchedRooms } from './push.js';
import { subscribe, unsubscribe } from './subscriptions.js';

function onTelemetry(ctx: LiveContext, socket: Socket) {
  return async (payload: unknown, ack: unknown) => {
    if (typeof payload === 'function') [payload, ack] = [undefined, payload];
    const reply = ackFrom<{ applied: boolean }>(ack);
    try {
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw invalid('body', 'must be an object with job_type and job_id');
      const { job_type, job_id } = payload as { job_type?: unknown; job_id?: unknown };
      const { applied } = await ctx.pipeline.submit(job_type, job_id, payload, { token: socket.data.token, address: socket.handshake.address });
      reply.ok({ applied });
    } catch (error) {
      reply.fail(error);
    }
  };
}

function guarded<T extends object>(ctx: LiveContext, handler: (request: unknown) => Promise<T>) {
  return async (request: unknown, ack: unknown) => {
    if (typeof request === 'function') [request, ack] = [undefined, request];
    const reply = ackFrom<T>(ack);
    try {
      reply.ok(await handler(request));
    } catch (error) {
      if ((error as { status?: number }).status === undefined) ctx.logger.error({ err: errorText(error) }, 'socket request failed');
      reply.fail(error);
    }
  };
}

/**
 * Attaches the plugin to a Socket.IO server: namespace `/telemetry` with backup-client ingest
 * (`telemetry`, acknowledged after commit) and viewer subscriptions, and pushes of committed changes.
 */
export function attachLive(io: Server, ctx: LiveContext, events: TelemetryEvents): { nsp: Namespace; detach(): Promise<void> } {
  const nsp = io.of(TELEMETRY_NAMESPACE);
  const bufferSize = (io.engine as { opts?: { maxHttpBufferSize?: number } } | undefined)?.opts?.maxHttpBufferSize;
  if (bufferSize !== undefined && bufferSize > ctx.bodyLimitBytes * 2) {
    ctx.logger.warn({ maxHttpBufferSize: bufferSize, bodyLimitBytes: ctx.bodyLimitBytes }, 'Socket.IO maxHttpBufferSize is far above the ingest body limit; set it to match (new Server(http, { maxHttpBufferSize }))');
  }
  // Before anything else: a page from a foreign origin gets no socket, on any transport.
  nsp.use((socket, next) => {
    const refusal = originRefusal(socket.handshake.headers, ctx.allowedOrigins);
    next(refusal === undefined ? undefined : new Error(refusal));
  });
  // A socket that presents a token must present a valid one; without one it may only watch.
  nsp.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (token === undefined || token === null || token === '') return next();
    if (typeof token !== 'string' || !ctx.access.knowsToken(token)) return next(new Error('unauthorized: the ingest token is not valid'));
    socket.data.token = token;
    next();
  });
  const onConnection = (socket: Socket) => {
    writeFlushesTogether(socket);
    socket.on(CLIENT_EVENTS.telemetry, onTelemetry(ctx, socket));
    socket.on(CLIENT_EVENTS.subscribe, guarded(ctx, (request) => subscribe(ctx, socket, request)));
    socket.on(CLIENT_EVENTS.unsubscribe, guarded(ctx, async (request) => { await unsubscribe(socket, request); return {}; }));
  };
  nsp.on('connection', onConnection);
  const stopForwarding = forwardEvents(events, nsp);
  const stopFleet = forwardFleetUpdates(events, nsp, ctx.store, {
    intervalMs: ctx.fleetPushIntervalMs, now: ctx.now, defaults: ctx.defaultPolicy, logger: ctx.logger, watched: watchedRooms(nsp),
  });
  return {
    nsp,
    async detach() {
      stopForwarding();
      await stopFleet();
      nsp.off('connection', onConnection);
      nsp.disconnectSockets(true);
    },
  };
}
