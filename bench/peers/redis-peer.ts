import { Redis } from 'ioredis';
import type { PeerClient, PeerTarget } from './peer-client.js';

/** Redis Streams on a server with the append-only file (fsync every second): XADD, then XREAD from the start. */
export function openRedis(target: PeerTarget): PeerClient {
  const redis = new Redis({ host: '127.0.0.1', port: target.port });
  return {
    publish: (data) => redis.xadd(target.destination, '*', 'd', data),
    consume: async (count, onMessage) => {
      const reader = new Redis({ host: '127.0.0.1', port: target.port });
      let last = '0';
      let seen = 0;
      while (seen < count) {
        const reply = await reader.xreadBuffer('COUNT', 2000, 'BLOCK', 1000, 'STREAMS', target.destination, last);
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            onMessage(fields[1]!);
            last = id.toString();
            seen += 1;
          }
        }
      }
      reader.disconnect();
    },
    close: () => {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}
