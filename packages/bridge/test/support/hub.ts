import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { Server as SocketServer } from 'socket.io';
import { createTelemetryPlugin, defaultLogger } from '@backup-telemetry/plugin-server';
import type { BackupJob, HistoryResponse } from '@backup-telemetry/contract';

/** A real hub: Express + the plugin at /api/v1 (+ Socket.IO ingest once the plugin has `attach`), on a temporary SQLite file. */
export interface TestHub {
  url: string;
  /** Whether the hub takes socket ingest (`plugin.attach(io)` exists). */
  socket: boolean;
  job(id: string): Promise<BackupJob>;
  history(id: string): Promise<HistoryResponse>;
  close(): Promise<void>;
}

export async function startHub(): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'bt-bridge-hub-'));
  const plugin = createTelemetryPlugin({
    databaseUrl: `sqlite:${join(dir, 'telemetry.sqlite')}`,
    snapshotIntervalSeconds: 0,
    logger: defaultLogger('silent'),
  });
  await plugin.migrate();
  const app = express();
  app.use('/api/v1', plugin.router);
  const server: Server = createServer(app);
  const io = new SocketServer(server);
  const attach = (plugin as unknown as { attach?: (io: SocketServer) => void }).attach;
  attach?.call(plugin, io);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const getJson = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1${path}`);
    if (!response.ok) throw new Error(`GET ${path} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url,
    socket: typeof attach === 'function',
    job: (id) => getJson<BackupJob>(`/backups/${encodeURIComponent(id)}`),
    history: (id) => getJson<HistoryResponse>(`/telemetry/history/${encodeURIComponent(id)}`),
    async close() {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      server.closeAllConnections();
      await plugin.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
