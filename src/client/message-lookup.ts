import { idTimeMs } from '../common/id-generator.js';
import type { FetchResult } from './consumer/fetch-once.js';
import type { ReceivedMessage } from './message.js';

/** What a lookup needs from the client: fetches, the time index and the key index of a partition. */
export interface LookupHost {
  get(topic: string, partition: number, offset: number, options: { maxSize: number }): Promise<FetchResult>;
  offsetForTime(topic: string, partition: number, timeMs: number): Promise<number>;
  keyOffsets(topic: string, partition: number, key: string, limit: number): Promise<number[]>;
}

/** A scan's fetch size, and a single message's first (small: it is parsed whole); doubled for a message that does not fit. */
const SCAN_FETCH_BYTES = 64 * 1024;
const MESSAGE_FETCH_BYTES = 2 * 1024;
/** Gets of a key's messages pipelined at once. */
const PARALLEL_GETS = 64;
const LARGEST_FETCH_BYTES = 16 * 1024 * 1024;

/** A fetch at `offset` that grows until its first message fits. */
async function fetchAt(host: LookupHost, topic: string, partition: number, offset: number, firstSize: number): Promise<FetchResult> {
  for (let maxSize = firstSize; ; maxSize *= 2) {
    try {
      return await host.get(topic, partition, offset, { maxSize });
    } catch (error) {
      if ((error as { code?: string }).code !== 'MESSAGE_TOO_LARGE' || maxSize >= LARGEST_FETCH_BYTES) throw error;
    }
  }
}

/** The message (or, for a compressed set, the messages) stored at `offset`. */
async function messagesAt(host: LookupHost, topic: string, partition: number, offset: number): Promise<ReceivedMessage[]> {
  return (await fetchAt(host, topic, partition, offset, MESSAGE_FETCH_BYTES)).messages.filter((message) => message.offset === offset);
}

/** The messages of each partition whose key (attribute) is `key`: the newest `limit` of each, oldest first. */
export async function messagesByKey(host: LookupHost, topic: string, partitions: number[], key: string, limit: number): Promise<ReceivedMessage[]> {
  const found: ReceivedMessage[] = [];
  for (const partition of partitions) {
    const offsets = await host.keyOffsets(topic, partition, key, limit);
    for (let n = 0; n < offsets.length; n += PARALLEL_GETS) {
      const chunk = await Promise.all(offsets.slice(n, n + PARALLEL_GETS).map((offset) => messagesAt(host, topic, partition, offset)));
      found.push(...chunk.flat());
    }
  }
  return found;
}

/**
 * The message with id `id`: its id carries its append time, so each partition is read from the
 * first message of that millisecond (the time index) until the id is found or passed (ids grow
 * along a partition).
 */
export async function messageById(host: LookupHost, topic: string, partitions: number[], id: bigint): Promise<ReceivedMessage | undefined> {
  const timeMs = idTimeMs(id);
  for (const partition of partitions) {
    let offset = await host.offsetForTime(topic, partition, timeMs);
    for (;;) {
      const result = await fetchAt(host, topic, partition, offset, SCAN_FETCH_BYTES);
      if (result.caughtUp) break;
      const match = result.messages.find((message) => message.id >= id);
      if (match !== undefined) {
        if (match.id === id) return match;
        break;
      }
      offset = result.nextOffset;
    }
  }
  return undefined;
}
