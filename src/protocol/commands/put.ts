import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** Where a put was stored: the `result 200` body `<id> <partition> <offset>` (docs/protocol.md, put). */
export interface PutAck {
  id: bigint;
  partition: { brokerId: number; index: number };
  /** Byte offset where the message starts in its partition. */
  offset: number;
}

/** A put's reply as where the message was stored on broker `brokerId`; a refusal throws its BrokerError. */
export function decodePutReply(reply: Reply, brokerId: number): PutAck {
  const [id, partition, offset] = successText(reply).split(' ');
  return { id: BigInt(id ?? '0'), partition: { brokerId, index: Number(partition) }, offset: Number(offset) };
}
