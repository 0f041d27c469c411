import type { Broker } from '../../broker/broker.js';
import { decodePayload } from '../../protocol/payload.js';
import { innerCount, isCompressedSet } from '../../protocol/compressed-set.js';
import { isRecordIntact, iterateRecords } from '../../protocol/record.js';

export interface MessageView {
  offset: number;
  id: string;
  flag: number;
  attribute: string | undefined;
  size: number;
  /** UTF-8 text when the body is printable, else undefined (see `base64`). */
  text: string | undefined;
  base64: string;
  intact: boolean;
}

export interface MessagePage {
  messages: MessageView[];
  /** Where the next page starts. */
  nextOffset: number;
  minOffset: number;
  maxOffset: number;
}

const PRINTABLE = /^[\P{Cc}\t\r\n]*$/u;

/** The messages stored at `offset` (up to `maxBytes` of them), decoded for a person to read. */
export async function readMessages(broker: Broker, topic: string, partition: number, offset: number, maxBytes: number): Promise<MessagePage | undefined> {
  const log = broker.stores.find(topic, partition);
  if (log === undefined) return undefined;
  const maxOffset = broker.replication.visibleEnd(log);
  const start = Math.max(offset, log.minOffset);
  const bytes = start >= maxOffset ? Buffer.alloc(0) : await log.read(start, Math.min(maxBytes, maxOffset - start));
  const messages: MessageView[] = [];
  let next = start;
  for (const record of iterateRecords(bytes)) {
    const intact = isRecordIntact(record);
    if (isCompressedSet(record.flag)) {
      // A producer's compressed set: consumers expand it; here it is named, not unpacked.
      messages.push({
        offset: start + record.position,
        id: String(record.id),
        flag: record.flag,
        attribute: undefined,
        size: record.payload.length,
        text: `(compressed set of ${innerCount(record.payload)} messages)`,
        base64: record.payload.toString('base64'),
        intact,
      });
      next = start + record.position + record.size;
      continue;
    }
    let attribute: string | undefined;
    let data = record.payload;
    try {
      ({ attribute, data } = decodePayload(record.payload, record.flag));
    } catch {
      // A payload whose attribute length is wrong is shown raw.
    }
    const text = data.toString('utf8');
    messages.push({
      offset: start + record.position,
      id: String(record.id),
      flag: record.flag,
      attribute,
      size: record.payload.length,
      text: PRINTABLE.test(text) && !text.includes('\uFFFD') ? text : undefined,
      base64: data.toString('base64'),
      intact,
    });
    next = start + record.position + record.size;
  }
  return { messages, nextOffset: next, minOffset: log.minOffset, maxOffset };
}
