import type { BatchSendResult, Partition } from '../message.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import type { EncodedPut, PutSetBatcher } from './put-set-batcher.js';
import { sendSet } from './put-set-batcher.js';

/**
 * A `sendBatch` as sets on one connection to `chosen`: the batcher's open set for that
 * partition first, so order holds across `send` and `sendBatch`; then the batch split at
 * `maxBatchBytes`, every set written before any reply is awaited (stored in this order).
 */
export async function sendBatchAsSets(
  batcher: PutSetBatcher,
  connection: BrokerTransport,
  chosen: Partition,
  puts: readonly EncodedPut[],
  timeoutMs: number,
): Promise<BatchSendResult> {
  const topic = puts[0]!.topic;
  batcher.flushPartition(connection, topic, chosen.index);
  const { compression } = batcher.options;
  const laidOut = batcher.split(puts);
  const [head, ...rest] = laidOut;
  const sent = sendSet(connection, topic, chosen.index, head!.records, head!.count, compression, timeoutMs, batcher.identify(topic, chosen));
  // Where the broker picks the partition (-1), the rest follow the first set to the one it picked.
  const first = chosen.index < 0 && rest.length > 0 ? await sent : undefined;
  const index = first?.partition ?? chosen.index;
  const replies = [
    sent,
    ...rest.map((set) => sendSet(connection, topic, index, set.records, set.count, compression, timeoutMs, batcher.identify(topic, chosen))),
  ];
  // All are awaited below, a later one may fail first. An answered set's buffer is reused.
  replies.forEach((reply, n) => {
    reply.then(
      () => batcher.recycle(laidOut[n]!.records),
      () => undefined,
    );
  });
  const stored = await Promise.all(replies);
  const sets = stored.map((reply, n) => ({ offset: reply.firstOffset, id: reply.firstId, count: laidOut[n]!.count }));
  return {
    partition: { brokerId: Math.max(0, chosen.brokerId), index: stored[0]!.partition },
    offset: sets[0]!.offset,
    id: sets[0]!.id,
    count: puts.length,
    sets,
  };
}
