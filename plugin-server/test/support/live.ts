import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import supertest from 'supertest';
import { TELEMETRY_NAMESPACE } from '@backup-telemetry/contract';
import type { TelemetryPlugin, TelemetryPluginOptions } from '../../src/index.js';
import { migratedPlugin, type Backend } from './backends.js';

export interface LiveHub {
  plugin: TelemetryPlugin;
  io: Server;
  server: HttpServer;
  url: string;
  http: ReturnType<typeof supertest>;
  /** A socket.io client on the telemetry namespace, closed with the hub. */
  client(auth?: Record<string, unknown>): Promise<ClientSocket>;
  close(opts?: { keepTables?: boolean }): Promise<void>;
}

/** A listening hub: Express at /api/v1 plus Socket.IO with the plugin attached. */
export async function startLiveHub(backend: Backend, options: Partial<TelemetryPluginOptions> & { adapter?: Parameters<Server['adapter']>[0] } = {}): Promise<LiveHub> {
  const { adapter, ...pluginOptions } = options;
  const { plugin, dispose } = await migratedPlugin(backend, pluginOptions);
  const app = express();
  app.use('/api/v1', plugin.router);
  const server = createServer(app);
  const io = new Server(server, { maxHttpBufferSize: 64 * 1024, ...(adapter ? { adapter } : {}) });
  plugin.attach(io);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: ClientSocket[] = [];
  return {
    plugin, io, server, url,
    http: supertest(app),
    async client(auth) {
      const socket = connect(`${url}${TELEMETRY_NAMESPACE}`, { transports: ['websocket'], reconnection: false, auth });
      clients.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return socket;
    },
    async close(opts = {}) {
      for (const c of clients) c.disconnect();
      await dispose(opts);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}

/** Emits with an acknowledgement and resolves with the ack. */
export function request<T = any>(socket: ClientSocket, event: string, payload: unknown, timeoutMs = 5000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Resolves with the next `event` on `socket` that satisfies `match`. */
export function next<T = any>(socket: ClientSocket, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.off(event, on); reject(new Error(`no ${event} within ${timeoutMs} ms`)); }, timeoutMs);
    const on = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(payload);
    };
    socket.on(event, on);
  });
}

/** Collects every `event` on `socket` into an array. */
export function collect<T = any>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
