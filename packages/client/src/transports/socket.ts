import { CLIENT_EVENTS, TELEMETRY_NAMESPACE, type ErrorBody, type TelemetryUpdate } from '@backup-telemetry/contract';
import { io, type Socket } from 'socket.io-client';
import { fromErrorBody, ReporterError } from '../errors.js';
import type { DeliveryReceipt, Route, Transport } from './types.js';

export interface SocketTransportOptions extends Route {
  /** Engine.IO path on the hub (`path` of the Socket.IO server). */
  socketPath: string;
  /** How long to wait for the acknowledgement of one update. */
  ackTimeoutMs: number;
  /** How long the first send waits for the connection before giving up (or falling back to HTTP). */
  connectTimeoutMs: number;
}

export interface SocketTransport extends Transport {
  /** True while connected; false while connecting, reconnecting or refused. */
  readonly connected: boolean;
  /** Set when the hub refused the handshake (wrong or missing token); the socket then stays down. */
  readonly refusal: ReporterError | undefined;
  /** Resolves true once connected, false on a refusal or after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>;
}

type Ack = { ok: true; applied?: boolean } | { ok: false; error: ErrorBody };

/**
 * Emits `telemetry` on the hub's `/telemetry` namespace and waits for the ack. Reconnection is left to
 * Socket.IO; an update emitted while disconnected is refused at once (`not_connected`) rather than
 * buffered, so the reporter alone decides about retries and fallback.
 */
export function createSocketTransport(options: SocketTransportOptions): SocketTransport {
  const origin = new URL(options.hubUrl).origin;
  const socket: Socket = io(`${origin}${TELEMETRY_NAMESPACE}`, {
    path: options.socketPath,
    auth: options.token === undefined ? {} : { token: options.token },
    // WebSocket only: no long-polling session that needs sticky load balancing across hub instances.
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    timeout: options.connectTimeoutMs,
  });
  let refusal: ReporterError | undefined;
  let firstAttemptDone = false;

  socket.on('connect', () => {
    refusal = undefined;
    firstAttemptDone = true;
  });
  socket.on('connect_error', (error: Error & { data?: Partial<ErrorBody> }) => {
    firstAttemptDone = true;
    // `active` is false when the hub's middleware refused us: Socket.IO will not retry by itself.
    if (!socket.active) {
      refusal = error.data?.status !== undefined
        ? fromErrorBody(error.data, error.data.status)
        : new ReporterError('unauthorized', `hub refused the socket: ${error.message}`, { status: 401, retryable: false });
    }
  });

  function ready(timeoutMs: number): Promise<boolean> {
    if (socket.connected) return Promise.resolve(true);
    if (refusal !== undefined) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('connect_error', onError);
        resolve(value);
      };
      const onConnect = () => done(true);
      // A failed attempt (refused, or nothing listening) ends the wait; Socket.IO keeps reconnecting.
      const onError = () => done(false);
      const timer = setTimeout(() => done(socket.connected), timeoutMs);
      socket.on('connect', onConnect);
      socket.on('connect_error', onError);
    });
  }

  return {
    get connected() { return socket.connected; },
    get refusal() { return refusal; },
    ready,
    async send(update: TelemetryUpdate): Promise<DeliveryReceipt> {
      if (!socket.connected && !firstAttemptDone) await ready(options.connectTimeoutMs);
      if (refusal !== undefined) throw refusal;
      if (!socket.connected) throw new ReporterError('not_connected', 'socket is not connected to the hub', { retryable: true });
      const ack = await new Promise<Ack>((resolve, reject) => {
        socket.timeout(options.ackTimeoutMs).emit(
          CLIENT_EVENTS.telemetry,
          { ...update, job_type: options.jobType, job_id: options.jobId },
          (error: Error | null, response: Ack) => {
            if (error) reject(new ReporterError('ack_timeout', `no ack from the hub: ${error.message}`, { retryable: true, cause: error }));
            else resolve(response);
          },
        );
      });
      if (ack !== null && typeof ack === 'object' && ack.ok === true) return { applied: ack.applied !== false, transport: 'socket' };
      if (ack !== null && typeof ack === 'object' && ack.ok === false) throw fromErrorBody(ack.error, ack.error?.status ?? 500);
      throw new ReporterError('invalid_response', 'hub sent an ack this SDK does not understand', { retryable: true });
    },
    async close(): Promise<void> {
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
