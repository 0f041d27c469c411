// `otime` (metaq extension): the offset of the first message appended at or after a time (docs/protocol.md, otime).
import { ProtocolError } from '../../common/errors.js';
import { parseJavaInt, parseJavaOffset } from '../java-numbers.js';
import { need, noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+otime`: the offset of the
 * first message of a partition appended at or after `timeMs` (ms since 1970), or the partition's
 * end when there is none; answered `result 200 <offset>` (404 for an unknown partition).
 */
export interface OffsetForTimeCommand {
  kind: 'otime';
  topic: string;
  partition: number;
  timeMs: number;
  opaque: number;
}

/** `otime <topic> <partition> <timeMs> <opaque>`. */
export function encodeOffsetForTime(command: OffsetForTimeCommand): Buffer[] {
  return [line(`otime ${command.topic} ${command.partition} ${command.timeMs} ${command.opaque}`)];
}

/** The command line's tokens as a command (body still to come). */
export function parseOffsetForTimeHeader(t: string[]): ParsedHeader {
  need(t, 5, 'otime topic partition timeMs opaque');
  const timeMs = parseJavaOffset(t[3], 'timeMs');
  if (timeMs < 0) throw new ProtocolError(`otime timeMs must not be negative, got ${timeMs}`);
  return noBody({ kind: 'otime', topic: t[1]!, partition: parseJavaInt(t[2], 'partition'), timeMs, opaque: parseJavaInt(t[4], 'opaque') });
}

/** An `otime` reply as the offset it names; a refusal (404: no such partition) throws its BrokerError. */
export function decodeOffsetForTimeReply(reply: Reply): number {
  return Number(successText(reply));
}
