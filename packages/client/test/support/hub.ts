import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type RequestHandler } from 'express';
import { Server as SocketServer } from 'socket.io';
import { createTelemetryPlugin, defaultLogger, type TelemetryPlugin } from '@backup-telemetry/plugin-server';
import type { BackupJob, HistoryResponse } from '@backup-telemetry/contract';

/**
 * A real hub for the SDK's integration tests: Express + the plugin at /api/v1 + Socket.IO, on a
 * temporary SQLite file. It can go away (stop listening, drop every connection) and come back on the
 * same port with the same database, and a host middleware (`gate`) can answer before the plugin.
 */
export interface TestHub {
  url: string;
  plugin: TelemetryPlugin;
  /** Requests to /api/v1/telemetry seen by the host, answered or not. */
  telemetryRequests: number;
  /** Runs before the plugin's router on telemetry POSTs; `undefined` lets everything through. */
  gate: RequestHandler | undefined;
  /** Whether the hub's Socket.IO ingest is wired (the plugin has `attach(io)`). */
  socket: boolean;
  /** The current Socket.IO server (replaced by `restart()`). */
  io(): SocketServer;
  /** Socket ingest events seen on the hub's namespace. */
  socketEvents: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  job(id: string): Promise<BackupJob>;
  history(id: string): Promise<HistoryResponse>;
  close(): Promise<void>;
}

export async function startHub(options: { snapshotIntervalSeconds?: number; now?: () => number } = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'bt-client-'));
  const plugin = createTelemetryPlugin({
    databaseUrl: `sqlite:${join(dir, 'telemetry.sqlite')}`,
    snapshotIntervalSeconds: options.snapshotIntervalSeconds ?? 0,
    now: options.now,
    logger: defaultLogger('silent'),
  });
  await plugin.migrate();

  const app = express();
  const hub = { telemetryRequests: 0, socketEvents: 0, gate: undefined as RequestHandler | undefined };
  app.use('/api/v1/telemetry', (req, res, next) => {
    if (req.method === 'POST') hub.telemetryRequests += 1;
    if (hub.gate && req.method === 'POST') hub.gate(req, res, next);
    else next();
  });
  app.use('/api/v1', plugin.router);

  let server: Server;
  let io: SocketServer;
  let port = 0;
  const sockets = new Set<NetSocket>();
  const attach = (plugin as unknown as { attach?: (io: SocketServer) => void }).attach;

  async function listen(): Promise<void> {
    server = createServer(app);
    server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
    io = new SocketServer(server);
    io.of('/telemetry').on('connection', (socket) => socket.on('telemetry', () => { hub.socketEvents += 1; }));
    attach?.call(plugin, io);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => {
      io.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  }

  await listen();
  const url = `http://127.0.0.1:${port}`;
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1${path}`);
    if (!response.ok) throw new Error(`GET ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  return Object.assign(hub, {
    url,
    plugin,
    socket: typeof attach === 'function',
    io: () => io,
    stop,
    restart: listen,
    job: (id: string) => getJson<BackupJob>(`/backups/${encodeURIComponent(id)}`),
    history: (id: string) => getJson<HistoryResponse>(`/telemetry/history/${encodeURIComponent(id)}`),
    async close() {
      await stop().catch(() => {});
      await plugin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

let seq = 0;
/** A unique job id per test. */
export function jobId(prefix = 'job'): string {
  seq += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq}`;
}

export const GIB = 1024 ** 3;
