// A real Socket.IO server on the test runner's Node side, standing in for the hub's /telemetry
// namespace: it joins subscribers to the hub's room names, answers subscribe with a scripted ack, and
// pushes events when a test asks (through @web/test-runner-commands' executeServerCommand).
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { CLIENT_EVENTS, TELEMETRY_NAMESPACE, rooms } from '@backup-telemetry/contract';

const roomOf = (req) => (req && 'job_id' in req ? rooms.job(req.job_id) : req?.fleet === true ? rooms.fleet : rooms.vm(req?.vm_name));

export function socketHubPlugin() {
  let http;
  let io;
  let url;
  const acks = new Map();
  const log = [];

  return {
    name: 'socket-hub',
    async serverStart() {
      http = createServer();
      io = new Server(http, { cors: { origin: '*' } });
      io.of(TELEMETRY_NAMESPACE).on('connection', (socket) => {
        socket.on(CLIENT_EVENTS.subscribe, (req, ack) => {
          const room = roomOf(req);
          socket.join(room);
          log.push(`subscribe ${room}`);
          ack?.({ ok: true, ...(acks.get(room) ?? {}) });
        });
        socket.on(CLIENT_EVENTS.unsubscribe, (req) => {
          const room = roomOf(req);
          socket.leave(room);
          log.push(`unsubscribe ${room}`);
        });
      });
      await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${http.address().port}`;
    },
    async serverStop() {
      io?.close();
    },
    async executeCommand({ command, payload }) {
      const ns = io?.of(TELEMETRY_NAMESPACE);
      if (command === 'hub-url') return url;
      if (command === 'hub-set-ack') {
        acks.set(payload.room, payload.ack);
        return true;
      }
      if (command === 'hub-push') {
        const sockets = await ns.in(payload.room).fetchSockets();
        ns.to(payload.room).emit(payload.event, payload.payload);
        return sockets.length;
      }
      if (command === 'hub-room-size') return (await ns.in(payload.room).fetchSockets()).length;
      if (command === 'hub-log') return [...log];
      return undefined;
    },
  };
}
