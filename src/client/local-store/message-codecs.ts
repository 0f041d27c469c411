import type { OutgoingMessage, ReceivedMessage } from '../message.js';

/** `int32 metaLength, JSON meta, raw data`: data stays binary, the rest is readable. */
function pack(meta: object, data: Uint8Array): Buffer {
  const metaBytes = Buffer.from(JSON.stringify(meta));
  const out = Buffer.allocUnsafe(4 + metaBytes.length + data.length);
  out.writeInt32BE(metaBytes.length, 0);
  metaBytes.copy(out, 4);
  out.set(data, 4 + metaBytes.length);
  return out;
}

function unpack<T>(bytes: Buffer): { meta: T; data: Buffer } {
  const metaLength = bytes.readInt32BE(0);
  return { meta: JSON.parse(bytes.toString('utf8', 4, 4 + metaLength)) as T, data: Buffer.from(bytes.subarray(4 + metaLength)) };
}

export function encodeReceived(m: ReceivedMessage): Buffer {
  return pack(
    { topic: m.topic, partition: m.partition, offset: m.offset, nextOffset: m.nextOffset, id: m.id.toString(), attribute: m.attribute, flag: m.flag },
    m.data,
  );
}

export function decodeReceived(bytes: Buffer): ReceivedMessage {
  const { meta, data } = unpack<Omit<ReceivedMessage, 'id' | 'data'> & { id: string }>(bytes);
  return { ...meta, id: BigInt(meta.id), data };
}

export function encodeOutgoing(m: OutgoingMessage): Buffer {
  const data = typeof m.data === 'string' ? Buffer.from(m.data) : m.data;
  return pack({ topic: m.topic, attribute: m.attribute, key: m.key }, data);
}

export function decodeOutgoing(bytes: Buffer): OutgoingMessage {
  const { meta, data } = unpack<Omit<OutgoingMessage, 'data'>>(bytes);
  return { ...meta, data };
}
