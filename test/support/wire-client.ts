import { checksum } from '../../src/common/checksum.js';
import { encodePayload } from '../../src/protocol/payload.js';
import { WireSession } from './wire-session.js';
import { iterateRecords, isRecordIntact } from '../../src/protocol/record.js';
import type { ReadRecord } from './history-checker.js';

export { WireSession };

/** Put one message; returns the reply code and body text. */
export async function put(
  session: WireSession,
  topic: string,
  partition: number,
  payload: string | Buffer,
  checksumOverride?: number,
  flag = 0,
): Promise<{ code: number; text: string }> {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const reply = await session.request((opaque) => ({
    kind: 'put',
    topic,
    partition,
    flag,
    checksum: checksumOverride ?? checksum(body),
    txKey: undefined,
    opaque,
    body,
  }));
  return { code: reply.kind === 'result' ? reply.code : 0, text: reply.body.toString() };
}

/** Put one message with an attribute (docs/protocol.md). */
export function putWithAttribute(
  session: WireSession,
  topic: string,
  partition: number,
  data: string,
  attribute: string,
): Promise<{ code: number; text: string }> {
  const { payload, flag } = encodePayload(Buffer.from(data), attribute);
  return put(session, topic, partition, payload, undefined, flag);
}

/** One get; a `value` reply has code 0 and the raw bytes. */
export async function get(
  session: WireSession,
  topic: string,
  partition: number,
  offset: number,
  maxSize = 1024 * 1024,
): Promise<{ code: number; text: string; bytes: Buffer }> {
  const reply = await session.request((opaque) => ({ kind: 'get', topic, group: 'test-group', partition, offset, maxSize, opaque }));
  return { code: reply.kind === 'result' ? reply.code : 0, text: reply.body.toString(), bytes: reply.body };
}

/** Read a partition from `from` to the visible end. */
export async function scanPartition(session: WireSession, topic: string, partition: number, from = 0): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  let offset = from;
  for (;;) {
    const reply = await get(session, topic, partition, offset);
    if (reply.code === 301) {
      offset = Number(reply.text);
      continue;
    }
    if (reply.code !== 0) return out;
    let advanced = 0;
    for (const record of iterateRecords(reply.bytes)) {
      out.push({
        partition,
        offset: offset + record.position,
        size: record.size,
        payload: record.payload.toString(),
        intact: isRecordIntact(record),
        id: record.id,
      });
      advanced = record.position + record.size;
    }
    if (advanced === 0) throw new Error(`no whole record at ${topic}-${partition}@${offset}`);
    offset += advanced;
  }
}
