// `okey` (metaq extension): the offsets of the messages with a key (docs/protocol.md, okey).
import { ProtocolError } from '../../common/errors.js';
import { MAX_KEY_OFFSETS } from '../commands.js';
import { parseJavaInt } from '../java-numbers.js';
import { need, noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+okey`: the offsets of a
 * partition's messages whose key (attribute) is `key`, oldest first, the newest `limit` of them;
 * answered `result 200 <offset> <offset>…` (empty where the topic does not index keys). The key
 * travels URI-encoded (`encodeURIComponent`), so it may hold spaces.
 */
export interface KeyOffsetsCommand {
  kind: 'okey';
  topic: string;
  partition: number;
  key: string;
  limit: number;
  opaque: number;
}

/** `okey <topic> <partition> <key, URI-encoded> <limit> <opaque>`. */
export function encodeKeyOffsets(command: KeyOffsetsCommand): Buffer[] {
  return [line(`okey ${command.topic} ${command.partition} ${encodeURIComponent(command.key)} ${command.limit} ${command.opaque}`)];
}

/** The command line's tokens as a command (body still to come). */
export function parseKeyOffsetsHeader(t: string[]): ParsedHeader {
  need(t, 6, 'okey topic partition key limit opaque');
  let key: string;
  try {
    key = decodeURIComponent(t[3]!);
  } catch {
    throw new ProtocolError(`okey key must be URI-encoded (encodeURIComponent), got ${t[3]}`);
  }
  const limit = parseJavaInt(t[4], 'limit');
  if (limit < 1 || limit > MAX_KEY_OFFSETS) throw new ProtocolError(`okey limit must be 1 to ${MAX_KEY_OFFSETS}, got ${limit}`);
  return noBody({ kind: 'okey', topic: t[1]!, partition: parseJavaInt(t[2], 'partition'), key, limit, opaque: parseJavaInt(t[5], 'opaque') });
}

/** An `okey` reply as its offsets, oldest first (none for an empty body); a refusal throws its BrokerError. */
export function decodeKeyOffsetsReply(reply: Reply): number[] {
  const text = successText(reply);
  return text === '' ? [] : text.split(' ').map(Number);
}
