// `mput` (metaq extension): a set of records for one partition in one frame (docs/protocol.md, mput).
import { ProtocolError } from '../../common/errors.js';
import { MAX_PRODUCER_ID_LENGTH } from '../commands.js';
import { parseJavaInt } from '../java-numbers.js';
import { bodyLength, EMPTY, need } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { framed } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

const PRODUCER_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_PRODUCER_ID_LENGTH}}$`);

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+mput`: `count` records for
 * one partition in one frame, the body in the log's record format (length, checksum, id -1 as a
 * placeholder, flag, payload). The broker checks every checksum, assigns the ids and appends the set as it is; the
 * reply is `result 200` with `<firstId> <partition> <firstOffset> <count>` (ids consecutive in the
 * sense of `idAfter`).
 */
export interface PutSetCommand {
  kind: 'mput';
  topic: string;
  /** Broker-local partition, or -1 for "broker picks". */
  partition: number;
  count: number;
  /**
   * Sent only to a broker listing `+idem`, as two tokens before the opaque: an idempotent
   * producer's id and this set's number in its sequence for the partition. A retry carries the
   * same pair and is answered with the original reply instead of being stored again.
   */
  producer?: { id: string; sequence: number };
  opaque: number;
  body: Buffer;
}

/** `mput <topic> <partition> <len> <count> [producerId sequence] <opaque>` and the records. */
export function encodePutSet(command: PutSetCommand): Buffer[] {
  if (command.producer !== undefined)
    return framed(
      `mput ${command.topic} ${command.partition} ${command.body.length} ${command.count} ${command.producer.id} ${command.producer.sequence} ${command.opaque}`,
      command.body,
    );
  return framed(`mput ${command.topic} ${command.partition} ${command.body.length} ${command.count} ${command.opaque}`, command.body);
}

/** The command line's tokens as a command (body still to come). */
export function parsePutSetHeader(t: string[]): ParsedHeader {
  need(t, 6, 'mput topic partition len count [producerId sequence] opaque');
  const count = parseJavaInt(t[4], 'count');
  if (count < 1) throw new ProtocolError(`mput count must be at least 1, got ${count}`);
  const idempotent = t.length >= 8;
  let producer: PutSetCommand['producer'];
  if (idempotent) {
    const id = t[5]!;
    if (!PRODUCER_ID.test(id))
      throw new ProtocolError(`mput producerId must be 1 to ${MAX_PRODUCER_ID_LENGTH} characters of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(id)}`);
    const sequence = parseJavaInt(t[6], 'sequence');
    if (sequence < 0) throw new ProtocolError(`mput sequence must not be negative, got ${sequence}`);
    producer = { id, sequence };
  }
  return {
    command: {
      kind: 'mput',
      topic: t[1]!,
      partition: parseJavaInt(t[2], 'partition'),
      count,
      producer,
      opaque: parseJavaInt(t[idempotent ? 7 : 5], 'opaque'),
      body: EMPTY,
    },
    bodyLength: bodyLength(t[3]),
  };
}

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
