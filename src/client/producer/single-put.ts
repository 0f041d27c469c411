import { decodePutReply } from '../../protocol/commands/put.js';
import type { Partition, SendResult } from '../message.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import type { EncodedPut } from './put-set-batcher.js';

/** One message as its own `put`, inside transaction `txKey` when given. */
export async function putSingle(
  connection: BrokerTransport,
  partition: Partition,
  put: EncodedPut,
  signal: AbortSignal | undefined,
  txKey: string | undefined,
): Promise<SendResult> {
  const { topic, flag, crc, payload, timeoutMs } = put;
  const reply = await connection.request(
    (opaque) => ({ kind: 'put', topic, partition: partition.index, flag, checksum: crc, txKey, opaque, body: payload }),
    timeoutMs,
    'send',
    signal,
  );
  return decodePutReply(reply, Math.max(0, partition.brokerId));
}
