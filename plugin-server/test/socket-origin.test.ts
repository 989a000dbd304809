import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { TELEMETRY_NAMESPACE } from '@backup-telemetry/contract';
import { createTelemetryPlugin } from '../src/index.js';
import { backends } from './support/backends.js';
import { registerJob, send, update } from './support/factories.js';
import { request, startLiveHub, type LiveHub } from './support/live.js';

const ADMIN = 'https://admin.example.com';
const EVIL = 'https://evil.example';
const TRANSPORTS = ['websocket', 'polling'] as const;
type Transport = (typeof TRANSPORTS)[number];

/** Connects as a browser page of `origin` would (no Origin header when undefined); resolves with the socket or the connect_error. */
function open(hub: LiveHub, transport: Transport, origin: string | undefined, sockets: ClientSocket[]): Promise<{ socket: ClientSocket; error?: Error }> {
  const socket = connect(`${hub.url}${TELEMETRY_NAMESPACE}`, {
    transports: [transport], upgrade: false, reconnection: false, forceNew: true,
    ...(origin ? { extraHeaders: { origin } } : {}),
  });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error) => resolve({ socket, error }));
  });
}

for (const backend of backends()) {
  describe(`socket origins on ${backend.name}`, { skip: backend.skip }, () => {
    let hub: LiveHub;
    let defaults: LiveHub;
    const sockets: ClientSocket[] = [];
    before(async () => {
      hub = await startLiveHub(backend, { allowedOrigins: [ADMIN] });
      defaults = await startLiveHub(backend);
    });
    after(async () => {
      for (const s of sockets) s.disconnect();
      await hub?.close();
      await defaults?.close();
    });

    for (const transport of TRANSPORTS) {
      it(`lets a page of an allowed origin subscribe over ${transport}`, async () => {
        const id = await registerJob(hub.http);
        const { socket, error } = await open(hub, transport, ADMIN, sockets);
        assert.equal(error, undefined);
        const ack = await request(socket, 'subscribe', { job_id: id });
        assert.equal(ack.ok, true);
        assert.equal(ack.job.backup_id, id);
      });

      it(`refuses a foreign page over ${transport}, saying why, and it cannot complete a job`, async () => {
        const id = await registerJob(hub.http);
        await send(hub.http, id, update({ bytes_transferred: 10 })).expect(200);
        const { socket, error } = await open(hub, transport, EVIL, sockets);
        assert.equal(error?.message, `origin ${EVIL} is not allowed (allowedOrigins)`);
        socket.emit('telemetry', { job_type: 'backup', job_id: id, status: 'completed' });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const job = (await hub.http.get(`/api/v1/backups/${id}`).expect(200)).body;
        assert.deepEqual([job.status, job.bytes_transferred], ['running', 10]);
      });

      it(`lets an agent without an Origin header (SDK, bridge) report over ${transport}`, async () => {
        const id = await registerJob(hub.http);
        const { socket, error } = await open(hub, transport, undefined, sockets);
        assert.equal(error, undefined);
        assert.deepEqual(await request(socket, 'telemetry', { job_type: 'backup', job_id: id, ...update() }), { ok: true, applied: true });
      });

      it(`by default allows the hub's own pages and refuses every other origin over ${transport}`, async () => {
        const own = await open(defaults, transport, defaults.url, sockets);
        assert.equal(own.error, undefined, 'Origin equal to the Host header connects');
        const admin = await open(defaults, transport, ADMIN, sockets);
        assert.equal(admin.error?.message, `origin ${ADMIN} is not allowed (allowedOrigins: same origin only by default)`);
        const sameHostOtherPort = await open(defaults, transport, 'http://127.0.0.1:1', sockets);
        assert.ok(sameHostOtherPort.error, 'another port is another origin');
      });
    }

    it('refuses an allowedOrigins entry that is not an origin, naming it', () => {
      for (const bad of ['admin.example.com', 'https://admin.example.com/app', 'ftp://x.example']) {
        assert.throws(() => createTelemetryPlugin({ databaseUrl: 'sqlite::memory:', allowedOrigins: [bad] }), (e: Error) => e.message.includes(JSON.stringify(bad)));
      }
    });
  });
}
