import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { Server as SocketServer } from 'socket.io';
import type { Logger as PinoLogger } from 'pino';
import { createTelemetryPlugin, type TelemetryPlugin, type TelemetryPluginOptions } from '@backup-telemetry/plugin-server';
import { adminTokenCheck } from './admin.js';
import type { HubConfig } from './config.js';
import { useRedisAdapter, type RedisLink } from './redis.js';

export interface Hub {
  app: Express;
  server: HttpServer;
  io: SocketServer;
  plugin: TelemetryPlugin;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /** Graceful stop: no new connections, queued telemetry committed, timers stopped, sockets and server closed. */
  close(): Promise<void>;
}

const SOCKET_BUFFER_BYTES = 64 * 1024 + 4096;
const publicDir = fileURLToPath(new URL('../public/', import.meta.url));
const bundleDir = dirname(fileURLToPath(import.meta.resolve('@backup-telemetry/web-components/bundle')));

/** The plugin options the hub's configuration maps to; unset values keep the plugin's defaults. */
export function pluginOptions(config: HubConfig, logger: PinoLogger): TelemetryPluginOptions {
  const options: Record<string, unknown> = {
    databaseUrl: config.databaseUrl,
    tablePrefix: config.tablePrefix,
    logger: logger.child({ component: 'telemetry' }),
    snapshotIntervalSeconds: config.snapshotIntervalSeconds,
    staleCheckCron: config.staleCheckCron,
    staleWarnAfterSeconds: config.staleWarnAfterSeconds,
    staleFailAfterSeconds: config.staleFailAfterSeconds,
    ingestTokens: config.ingestTokens.length ? config.ingestTokens : undefined,
    rateLimitPerMinute: config.rateLimitPerMinute,
    allowedOrigins: config.corsOrigins.length ? config.corsOrigins : undefined,
    defaultRpoHours: config.defaultRpoHours,
    authorizeAdmin: config.adminTokens.length ? adminTokenCheck(config.adminTokens) : undefined,
    notificationEndpoints: config.webhook ? [{ url: config.webhook.url, events: config.webhook.events, format: config.webhook.format, ...(config.webhook.secret ? { secret: config.webhook.secret } : {}) }] : undefined,
    notifications: config.notifications ? undefined : false,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as TelemetryPluginOptions;
}

/** Builds the example hub (Express + plugin at /api/v1 + Socket.IO + demo page) without listening. */
export async function createHub(config: HubConfig, logger: PinoLogger): Promise<Hub> {
  const plugin = createTelemetryPlugin(pluginOptions(config, logger));
  await plugin.migrate();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  app.get('/metrics', async (_req, res) => {
    res.type(plugin.metrics.registry.contentType).send(await plugin.metrics.registry.metrics());
  });
  app.use('/api/v1', plugin.router);
  // The elements' bundle and the chunks it imports when a chart first draws (ECharts), side by side.
  app.get('/vendor/:file', (req, res, next) => {
    if (!/^bt-elements\.[\w-]+(\.[\w-]+)?\.js$/.test(req.params.file)) { next(); return; }
    res.type('text/javascript').sendFile(join(bundleDir, req.params.file), (error) => { if (error) next(); });
  });
  app.use(express.static(publicDir));

  const server = createServer(app);
  // The demo page is served from this origin and needs no CORS; other origins only when configured
  // (here for long-polling; the plugin checks every transport's Origin against the same list).
  // Socket messages are capped like HTTP bodies (the plugin's 64 KiB default), plus Socket.IO framing.
  const cors = config.corsOrigins.length ? { origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins } : undefined;
  const io = new SocketServer(server, { ...(cors ? { cors } : {}), maxHttpBufferSize: SOCKET_BUFFER_BYTES });
  let redis: RedisLink | undefined;
  if (config.redisUrl) redis = await useRedisAdapter(io, config.redisUrl, logger);

  plugin.attach(io); // namespace /telemetry: socket ingest, viewer subscriptions, live pushes

  let closing: Promise<void> | undefined;
  return {
    app, server, io, plugin,
    listen: () => new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    }),
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await plugin.close();
        await new Promise<void>((resolve) => { io.close(() => resolve()); });
        server.closeAllConnections();
        await stopped;
        await redis?.close();
      })();
      return closing;
    },
  };
}
