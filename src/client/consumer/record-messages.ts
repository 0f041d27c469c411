import { idAfter } from '../../common/id-generator.js';
import { isCompressedSet, UnreadableCodecError, unpackSet } from '../../protocol/compressed-set.js';
import { decodePayload, FLAG_HAS_ATTRIBUTE } from '../../protocol/payload.js';
import type { RecordView } from '../../protocol/record.js';
import { isRecordIntact, iterateRecords } from '../../protocol/record.js';
import type { Partition, ReceivedMessage } from '../message.js';
import { MessageBatch } from './message-batch.js';

/**
 * The messages one record holds: the record itself, or the messages of a compressed set, which
 * share its offset (a consumer resumes after the whole set) and take their ids from its id on.
 * Undefined when the set does not decompress or a message inside fails its checksum; throws
 * UnreadableCodecError for an intact set whose codec this process cannot expand.
 */
export function messagesOf(record: RecordView, topic: string, partition: Partition, offset: number): ReceivedMessage[] | undefined {
  const nextOffset = offset + record.size;
  if (!isCompressedSet(record.flag)) {
    if ((record.flag & FLAG_HAS_ATTRIBUTE) === 0) return [{ topic, partition, offset, nextOffset, id: record.id, data: record.payload, attribute: undefined, flag: record.flag }];
    const { data, attribute } = decodePayload(record.payload, record.flag);
    return [{ topic, partition, offset, nextOffset, id: record.id, data, attribute, flag: record.flag }];
  }
  let records: Buffer;
  let count: number;
  try {
    ({ records, count } = unpackSet(record.payload, record.flag));
  } catch (error) {
    if (error instanceof UnreadableCodecError) throw error; // intact, just not readable here
    return undefined;
  }
  const messages: ReceivedMessage[] = [];
  for (const inner of iterateRecords(records)) {
    if (!isRecordIntact(inner)) return undefined;
    const { data, attribute } = decodePayload(inner.payload, inner.flag);
    messages.push({ topic, partition, offset, nextOffset, id: idAfter(record.id, messages.length), data, attribute, flag: inner.flag });
  }
  return messages.length === count ? messages : undefined;
}

/**
 * The messages of a compressed record as one MessageBatch over its decompressed records, or
 * undefined when the record, the set or a message inside fails its check.
 */
export function compressedBatch(record: RecordView, topic: string, partition: Partition, offset: number): MessageBatch | undefined {
  if (!isRecordIntact(record)) return undefined;
  let records: Buffer;
  let count: number;
  try {
    ({ records, count } = unpackSet(record.payload, record.flag));
  } catch (error) {
    if (error instanceof UnreadableCodecError) throw error; // intact, just not readable here
    return undefined;
  }
  const starts: number[] = [];
  for (const inner of iterateRecords(records)) {
    if (!isRecordIntact(inner)) return undefined;
    starts.push(inner.position);
  }
  return starts.length === count ? new MessageBatch(topic, partition, records, starts, offset, { id: record.id, nextOffset: offset + record.size }) : undefined;
}
