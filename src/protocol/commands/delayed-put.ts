// `dput` (metaq extension): a set kept in the broker's schedule until its delivery time (docs/protocol.md, dput).
import { ProtocolError } from '../../common/errors.js';
import { parseJavaInt, parseJavaOffset } from '../java-numbers.js';
import { bodyLength, EMPTY, need } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { framed } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+dput`: a set like
 * `mput`'s, stored by the broker in its schedule and appended to the partition at `deliverAtMs`
 * (milliseconds since 1970; a time already past means now). The reply is `result 200` with
 * `<scheduleId> <partition> <deliverAtMs> <count>`; the messages get their ids and offsets when
 * they are delivered.
 */
export interface DelayedPutCommand {
  kind: 'dput';
  topic: string;
  /** Broker-local partition, or -1 for "broker picks". */
  partition: number;
  count: number;
  deliverAtMs: number;
  opaque: number;
  body: Buffer;
}

/** `dput <topic> <partition> <len> <count> <deliverAtMs> <opaque>` and the records. */
export function encodeDelayedPut(command: DelayedPutCommand): Buffer[] {
  return framed(`dput ${command.topic} ${command.partition} ${command.body.length} ${command.count} ${command.deliverAtMs} ${command.opaque}`, command.body);
}

/** The command line's tokens as a command (body still to come). */
export function parseDelayedPutHeader(t: string[]): ParsedHeader {
  need(t, 7, 'dput topic partition len count deliverAtMs opaque');
  const count = parseJavaInt(t[4], 'count');
  if (count < 1) throw new ProtocolError(`dput count must be at least 1, got ${count}`);
  const deliverAtMs = parseJavaOffset(t[5], 'deliverAtMs');
  if (deliverAtMs < 0) throw new ProtocolError(`dput deliverAtMs must not be negative, got ${deliverAtMs}`);
  return {
    command: { kind: 'dput', topic: t[1]!, partition: parseJavaInt(t[2], 'partition'), count, deliverAtMs, opaque: parseJavaInt(t[6], 'opaque'), body: EMPTY },
    bodyLength: bodyLength(t[3]),
  };
}

/** Where a scheduled set (`dput`) waits: the `result 200` body `<scheduleId> <partition> <deliverAtMs> <count>`. */
export interface DelayedPutAck {
  scheduleId: number;
  partition: number;
}

/** A `dput` reply as the schedule entry it made; a refusal throws its BrokerError. */
export function decodeDelayedPutReply(reply: Reply): DelayedPutAck {
  const [scheduleId, partition] = successText(reply).split(' ');
  return { scheduleId: Number(scheduleId), partition: Number(partition) };
}
