// `put`: one message. Request encoder, header parser and reply decoder (docs/protocol.md, put).
import { ProtocolError } from '../../common/errors.js';
import { parseJavaInt } from '../java-numbers.js';
import { validateTransactionKey } from '../transaction-key.js';
import { bodyLength, EMPTY, need } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { framed } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

const CHECKSUM_START = /^[0-9-]/;

export interface PutCommand {
  kind: 'put';
  topic: string;
  /** Broker-local partition, or -1 for "broker picks". */
  partition: number;
  flag: number;
  /** -1 when the client did not send one (legacy shapes). */
  checksum: number;
  txKey: string | undefined;
  opaque: number;
  body: Buffer;
}

/** `put <topic> <partition> <len> <flag> [checksum] [txKey] <opaque>` and the payload. */
export function encodePut(command: PutCommand): Buffer[] {
  const optional = (command.checksum === -1 ? '' : ` ${command.checksum}`) + (command.txKey === undefined ? '' : ` ${command.txKey}`);
  return framed(`put ${command.topic} ${command.partition} ${command.body.length} ${command.flag}${optional} ${command.opaque}`, command.body);
}

/** The command line's tokens as a command (body still to come). */
export function parsePutHeader(t: string[]): ParsedHeader {
  if (t[0] !== 'put') throw new ProtocolError(`unknown command ${JSON.stringify(t[0])}`);
  need(t, 6, 'put topic partition len flag [checksum] [txKey] opaque');
  let checksum = -1;
  let txKey: string | undefined;
  if (t.length >= 8) {
    checksum = parseJavaInt(t[5], 'checksum');
    txKey = t[6];
  } else if (t.length === 7) {
    if (CHECKSUM_START.test(t[5]!)) checksum = parseJavaInt(t[5], 'checksum');
    else txKey = t[5];
  }
  if (txKey !== undefined) validateTransactionKey(txKey);
  return {
    command: {
      kind: 'put',
      topic: t[1]!,
      partition: parseJavaInt(t[2], 'partition'),
      flag: parseJavaInt(t[4], 'flag'),
      checksum,
      txKey,
      opaque: parseJavaInt(t[t.length >= 8 ? 7 : t.length - 1], 'opaque'),
      body: EMPTY,
    },
    bodyLength: bodyLength(t[3]),
  };
}

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
