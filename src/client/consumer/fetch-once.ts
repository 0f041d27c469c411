import { MetaqError } from '../../common/errors.js';
import { iterateRecords, isRecordIntact } from '../../protocol/record.js';
import { Status } from '../../protocol/status.js';
import { BrokerError } from '../errors.js';
import { decodeGetReply } from '../../protocol/commands/get.js';
import type { Partition, ReceivedMessage } from '../message.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import { messagesOf } from './record-messages.js';
import { noWholeMessage } from './no-whole-message.js';
import { fetchChannel, publishFetch } from '../diagnostics.js';

export interface FetchResult {
  messages: ReceivedMessage[];
  /** Where to fetch next: after the last whole message, or where the broker redirected (301). */
  nextOffset: number;
  /** The broker had nothing at this offset yet (404). */
  caughtUp: boolean;
}

/** One `get` (docs/client.md, get): the whole messages at an offset, checksums verified. */
export async function fetchOnce(
  connection: BrokerTransport,
  topic: string,
  partition: Partition,
  offset: number,
  maxSize: number,
  timeoutMs: number,
  group: string,
  signal?: AbortSignal,
): Promise<FetchResult> {
  const started = performance.now();
  const reply = decodeGetReply(
    await connection.request(
      (opaque) => ({ kind: 'get', topic, group, partition: partition.index, offset, maxSize, opaque }),
      timeoutMs,
      `get ${topic}-${partition.index}@${offset}`,
      signal,
    ),
  );
  if (fetchChannel.hasSubscribers) publishFetch({ topic, partition, group, offset }, reply, started);
  if (reply.kind === 'moved') return { messages: [], nextOffset: reply.offset, caughtUp: false };
  if (reply.kind === 'caughtUp') return { messages: [], nextOffset: offset, caughtUp: true };
  if (reply.kind === 'unavailable') throw new BrokerError(Status.forbidden, reply.reason);
  const messages: ReceivedMessage[] = [];
  let nextOffset = offset;
  for (const record of iterateRecords(reply.body)) {
    const held = isRecordIntact(record) ? messagesOf(record, topic, partition, offset + record.position) : undefined;
    if (held === undefined)
      throw new MetaqError(
        'CORRUPT_MESSAGE',
        `the message at ${topic}-${partition.index}@${offset + record.position} fails its checksum; ask the broker for a valid offset (offset command) and fetch again`,
      );
    nextOffset = offset + record.position + record.size;
    messages.push(...held);
  }
  if (messages.length === 0) throw noWholeMessage(`${topic}-${partition.index}`, offset, reply.body, maxSize);
  return { messages, nextOffset, caughtUp: false };
}
