// `sync`: a master replicates one record to its sync slave (docs/protocol.md, sync; docs/replication.md).
import { parseJavaInt, parseJavaLong, parseJavaOffset } from '../java-numbers.js';
import { bodyLength, EMPTY, need } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { framed } from './wire-text.js';
import type { Reply } from './reply.js';
import { successText } from './reply.js';

export interface SyncCommand {
  kind: 'sync';
  topic: string;
  partition: number;
  flag: number;
  msgId: bigint;
  checksum: number;
  /**
   * metaq extension (a token after the checksum, sent by metaq masters only): the offset the
   * record has on the master, where it must land on the slave; a slave whose copy ends elsewhere
   * refuses it instead of storing it at the wrong place.
   */
  offset?: number;
  opaque: number;
  body: Buffer;
}

/** `sync <topic> <partition> <len> <flag> <msgId> [checksum [offset]] <opaque>` and the payload. */
export function encodeSync(command: SyncCommand): Buffer[] {
  const checksum = command.checksum === -1 ? '' : ` ${command.checksum}${command.offset === undefined ? '' : ` ${command.offset}`}`;
  return framed(
    `sync ${command.topic} ${command.partition} ${command.body.length} ${command.flag} ${command.msgId}${checksum} ${command.opaque}`,
    command.body,
  );
}

/** The command line's tokens as a command (body still to come). */
export function parseSyncHeader(t: string[]): ParsedHeader {
  need(t, 7, 'sync topic partition len flag msgId [checksum [offset]] opaque');
  const withChecksum = t.length >= 8;
  // metaq: a metaq master also names the offset the record must land at on the slave.
  const withOffset = t.length >= 9;
  return {
    command: {
      kind: 'sync',
      topic: t[1]!,
      partition: parseJavaInt(t[2], 'partition'),
      flag: parseJavaInt(t[4], 'flag'),
      msgId: parseJavaLong(t[5], 'msgId'),
      checksum: withChecksum ? parseJavaInt(t[6], 'checksum') : -1,
      ...(withOffset ? { offset: parseJavaOffset(t[7], 'offset') } : {}),
      opaque: parseJavaInt(t[withOffset ? 8 : withChecksum ? 7 : 6], 'opaque'),
      body: EMPTY,
    },
    bodyLength: bodyLength(t[3]),
  };
}

/** A `sync` reply (`<msgId> <partition> <offset>`) as the offset the slave stored the record at; a refusal throws its BrokerError. */
export function decodeSyncReply(reply: Reply): number {
  return Number(successText(reply).split(' ')[2]);
}
