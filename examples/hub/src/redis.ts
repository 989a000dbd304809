import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger as PinoLogger } from 'pino';
import type { Server as SocketServer } from 'socket.io';

export interface RedisLink {
  close(): Promise<void>;
}

/**
 * Puts Socket.IO on the Redis adapter, so a room emit on one hub instance reaches the viewers of every
 * other instance. Waits for both connections, so a wrong REDIS_URL fails the start instead of later.
 */
export async function useRedisAdapter(io: SocketServer, url: string, logger: PinoLogger): Promise<RedisLink> {
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const sub = pub.duplicate();
  for (const [role, client] of [['pub', pub], ['sub', sub]] as const) {
    client.on('error', (err: Error) => logger.warn({ role, err: err.message }, 'redis connection error'));
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (error) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`REDIS_URL: cannot connect to ${url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`);
  }
  io.adapter(createAdapter(pub, sub));
  logger.info({ redis: url.replace(/\/\/[^@/]*@/, '//***@') }, 'Socket.IO uses the Redis adapter (multi-instance)');
  return {
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
