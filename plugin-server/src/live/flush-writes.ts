import type { Socket as NetSocket } from 'node:net';
import type { Socket } from 'socket.io';

/** The part of an Engine.IO connection this module reads (`socket.conn`). */
interface EngineConnection {
  upgraded: boolean;
  transport: { name: string };
  request: { socket?: NetSocket };
  on(event: 'flush', listener: (packets: unknown[]) => void): unknown;
}

/**
 * Sends the packets one Engine.IO flush carries in one write to the TCP socket.
 *
 * A backup client that streams many jobs over one socket gets the acknowledgements of a whole
 * committed group at once, and live pushes of several jobs reach a viewer together. Engine.IO hands
 * each packet to the WebSocket as its own frame, and each frame is its own `write` system call, which
 * also wakes the peer each time. Corking the TCP socket for the flush turns them into one `writev`;
 * the socket is uncorked on the next tick, after the flush, so nothing waits for more data.
 *
 * Only for a connection that opened as a WebSocket: its handshake request's socket is the one the
 * frames go through (after an upgrade from long-polling it would be the polling request's socket).
 */
export function writeFlushesTogether(socket: Socket): void {
  const conn = socket.conn as unknown as EngineConnection;
  const tcp = conn.request.socket;
  if (!tcp || conn.upgraded || conn.transport.name !== 'websocket') return;
  conn.on('flush', (packets) => {
    if (packets.length < 2 || tcp.destroyed) return;
    tcp.cork();
    process.nextTick(() => tcp.uncork());
  });
}
