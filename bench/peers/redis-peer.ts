import { Redis } from 'ioredis';
import type { PeerClient, PeerTarget } from './peer-client.js';

/**
 * Redis Streams on a server with the append-only file (fsync every second): a batch is one
 * `pipeline()` of XADDs sent in one write, each acknowledged by its own reply (explicit
 * pipelines beat `enableAutoPipelining` in ad-hoc runs here); XREAD reads from the start.
 */
export function openRedis(target: PeerTarget): PeerClient {
  const redis = new Redis({ host: '127.0.0.1', port: target.port });
  return {
    publish: (data) => redis.xadd(target.destination, '*', 'd', data),
    publishBatch: async (batch) => {
      const pipeline = redis.pipeline();
      for (const data of batch) pipeline.xadd(target.destination, '*', 'd', data);
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    },
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
