import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Destroys every live connection and stops listening, so new ones are refused (ECONNREFUSED). */
  cut(): Promise<void>;
  /** Keeps every connection open but forwards nothing more: a network partition that drops packets. */
  stall(): void;
  /** Listens again on the same port (after `cut`), or forwards again (after `stall`). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP forwarder to `host:port` that a test can cut and restore, like a database going away and coming back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const live = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    for (const s of [client, upstream]) {
      live.add(s);
      s.on('close', () => live.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const s of live) s.destroy();
    live.clear();
    await closed;
  };
  return {
    port,
    cut: stop,
    stall() {
      for (const [client, upstream] of pairs) { client.unpipe(upstream); upstream.unpipe(client); client.pause(); upstream.pause(); }
    },
    async restore() {
      if (!server.listening) await listen(port);
      for (const [client, upstream] of pairs) { client.pipe(upstream); upstream.pipe(client); }
    },
    close: stop,
  };
}

/** A proxy in front of the database of `databaseUrl`, and the URL that reaches the database through it. */
export async function proxyDatabase(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || (target.protocol.startsWith('postgres') ? 5432 : 3306)) });
  const proxied = new URL(target.href);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return { proxy, url: proxied.href };
}
