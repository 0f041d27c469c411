// `offset`: the valid offset at or before a position (docs/protocol.md, offset).
import { parseJavaInt, parseJavaOffset } from '../java-numbers.js';
import { need, noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line, offsetText } from './wire-text.js';
import { Status } from '../status.js';
import type { Reply } from './reply.js';
import { isSuccess, refusal } from './reply.js';

export interface OffsetCommand {
  kind: 'offset';
  topic: string;
  group: string;
  partition: number;
  offset: number;
  opaque: number;
}

/** `offset <topic> <group> <partition> <offset> <opaque>`. */
export function encodeOffset(command: OffsetCommand): Buffer[] {
  return [line(`offset ${command.topic} ${command.group} ${command.partition} ${offsetText(command.offset)} ${command.opaque}`)];
}

/** The command line's tokens as a command (body still to come). */
export function parseOffsetHeader(t: string[]): ParsedHeader {
  need(t, 6, 'offset topic group partition offset opaque');
  return noBody({
    kind: 'offset',
    topic: t[1]!,
    group: t[2]!,
    partition: parseJavaInt(t[3], 'partition'),
    offset: parseJavaOffset(t[4], 'offset'),
    opaque: parseJavaInt(t[5], 'opaque'),
  });
}

/**
 * An `offset` reply: the valid offset the broker answered (200), or undefined when it has no such
 * partition (404); any other reply throws its BrokerError.
 */
export function decodeOffsetReply(reply: Reply): number | undefined {
  if (isSuccess(reply)) return Number(reply.body.toString());
  if (reply.kind === 'result' && reply.code === Status.notFound) return undefined;
  throw refusal(reply);
}

/** The offset of a `result 200`, undefined for any other reply (for probes that try again later). */
export function answeredOffset(reply: Reply): number | undefined {
  return isSuccess(reply) ? Number(reply.body.toString()) : undefined;
}
