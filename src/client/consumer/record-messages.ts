import { idAfter } from '../../common/id-generator.js';
import { isCompressedSet, UnreadableCodecError, unpackSet } from '../../protocol/compressed-set.js';
import { decodePayload } from '../../protocol/payload.js';
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
    const { data, attribute } = decodePayload(record.payload, record.flag);
    return [{ topic, partition, offset, nextOffset, id: record.id, data, attribute, flag: record.flag }];
  }
  const inner = expandSet(record);
  if (inner === undefined) return undefined;
  return inner.records.map((message, n) => {
    const { data, attribute } = decodePayload(message.payload, message.flag);
    return { topic, partition, offset, nextOffset, id: idAfter(record.id, n), data, attribute, flag: message.flag };
  });
}

/**
 * The messages of a compressed record as one MessageBatch over its decompressed records, or
 * undefined when the record, the set or a message inside fails its check.
 */
export function compressedBatch(record: RecordView, topic: string, partition: Partition, offset: number): MessageBatch | undefined {
  const inner = isRecordIntact(record) ? expandSet(record) : undefined;
  if (inner === undefined) return undefined;
  return new MessageBatch(
    topic,
    partition,
    inner.bytes,
    inner.records.map((message) => message.position),
    offset,
    { id: record.id, nextOffset: offset + record.size },
  );
}

/**
 * The records inside a compressed set, each checked, when there are as many as it claims;
 * undefined when it does not decompress or does not hold up. Throws UnreadableCodecError for an
 * intact set whose codec this process cannot expand: that is not corruption.
 */
function expandSet(record: RecordView): { bytes: Buffer; records: RecordView[] } | undefined {
  let bytes: Buffer;
  let count: number;
  try {
    ({ records: bytes, count } = unpackSet(record.payload, record.flag));
  } catch (error) {
    if (error instanceof UnreadableCodecError) throw error;
    return undefined;
  }
  const records = [...iterateRecords(bytes)];
  return records.length === count && records.every(isRecordIntact) ? { bytes, records } : undefined;
}
