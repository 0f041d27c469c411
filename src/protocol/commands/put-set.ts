import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** Where a set (`mput`) was stored: the `result 200` body `<firstId> <partition> <firstOffset> <count>`. */
export interface PutSetAck {
  firstId: bigint;
  partition: number;
  firstOffset: number;
}

/** An `mput` reply as where its set was stored; a refusal throws its BrokerError. */
export function decodePutSetReply(reply: Reply): PutSetAck {
  const [firstId, partition, firstOffset] = successText(reply).split(' ');
  return { firstId: BigInt(firstId ?? '0'), partition: Number(partition), firstOffset: Number(firstOffset) };
}
