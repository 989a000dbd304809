import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers the nth request (0-based); `'hang'` never answers. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** A local webhook receiver (node:http) that records every request and answers as told. */
export async function startReceiver(answer: (hit: Hit, n: number) => Answer = () => ({ status: 200 })) {
  const hits: Hit[] = [];
  const hanging = new Set<ServerResponse>();
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const hit = { path: req.url ?? '', headers: req.headers, body };
      const reply = answer(hit, hits.length);
      hits.push(hit);
      for (const wake of waiters.splice(0)) wake();
      if (reply === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    hits,
    url: (path = '/hook') => `${base}${path}`,
    /** Requests still waiting for an answer. */
    hanging: () => hanging.size,
    /** Resolves once `count` requests arrived (or rejects after `ms`). */
    async waitFor(count: number, ms = 10_000): Promise<Hit[]> {
      const deadline = Date.now() + ms;
      while (hits.length < count) {
        if (Date.now() > deadline) throw new Error(`the receiver got ${hits.length} of ${count} requests in ${ms} ms`);
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 50); });
      }
      return hits;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * A Standard Webhooks verifier written from the specification, independently of the hub's signer:
 * the key is the base64 after `whsec_` (other secrets: their UTF-8 bytes), the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`, the header a space-separated list of `v1,<base64>`, and
 * the timestamp must be within five minutes of now.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds = Date.now() / 1000): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.split('_')[1]!, 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
