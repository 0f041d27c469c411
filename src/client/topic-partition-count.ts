import type { BrokerTransport } from './transport/broker-transport.js';
import { decodeStatsReply } from '../protocol/commands/stats.js';

/** `stats` items that are not topics: asking `stats reset` for a topic named "reset" would clear the broker's counters. */
const STATS_ITEMS = new Set(['help', 'topics', 'offsets', 'realtime', 'reset', 'config', 'transactions', 'replication']);

/**
 * How many partitions a direct-mode broker has for `topic`, from `stats <topic>` (docs/protocol.md,
 * stats): metaq's `num_partitions` (the topic's section, or `[topic=*]`'s for a topic not created
 * yet), else the partitions that exist (a MetaQ broker), else 1 (a topic no partition of which exists
 * yet on a broker that does not say: its first put creates partition 0 at least).
 */
export async function askPartitionCount(connection: BrokerTransport, topic: string, timeoutMs: number): Promise<number> {
  if (STATS_ITEMS.has(topic)) return 1;
  const values = decodeStatsReply(await connection.request((opaque) => ({ kind: 'stats', item: topic, opaque }), timeoutMs, `stats ${topic}`));
  const count = (key: string): number => {
    const value = Number(values.get(key));
    return Number.isSafeInteger(value) && value > 0 ? value : 0;
  };
  // A slave may hold more partitions than its own section names (its master's): read them all.
  return Math.max(count('num_partitions'), count('partitions'), 1);
}
