import type { TelemetryUpdate } from '@backup-telemetry/contract';
import { ReporterError } from '../errors.js';
import type { SocketTransport } from './socket.js';
import type { DeliveryReceipt, Transport } from './types.js';

/**
 * Socket first, HTTP when the socket cannot carry an update: not connected, refused, or no ack in time.
 * An answer from the hub over the socket (`ok: false`) is final and not re-sent over HTTP.
 */
export function createFallbackTransport(socket: SocketTransport, http: Transport): Transport {
  return {
    async send(update: TelemetryUpdate): Promise<DeliveryReceipt> {
      try {
        return await socket.send(update);
      } catch (error) {
        if (error instanceof ReporterError && error.status !== undefined && error !== socket.refusal) throw error;
        return http.send(update);
      }
    },
    async close(): Promise<void> {
      await Promise.all([socket.close(), http.close()]);
    },
  };
}
