import type { Command } from './commands.js';
import { encodeAdmin } from './commands/admin.js';
import { encodeAuth } from './commands/auth.js';
import { encodeDelayedPut } from './commands/delayed-put.js';
import { encodeGet, encodeWaitingGet } from './commands/get.js';
import { encodeKeyOffsets } from './commands/key-offsets.js';
import { encodeOffsetForTime } from './commands/offset-for-time.js';
import { encodeOffset } from './commands/offset.js';
import { encodePutSet } from './commands/put-set.js';
import { encodePut } from './commands/put.js';
import { encodeQuit } from './commands/quit.js';
import { encodeResultCommand, encodeValue } from './commands/reply.js';
import { encodeStats } from './commands/stats.js';
import { encodeSyncEnd } from './commands/sync-end.js';
import { encodeSync } from './commands/sync.js';
import { encodeTransaction } from './commands/transaction.js';
import { encodeVersion } from './commands/version.js';
import { Status } from './status.js';

/**
 * Encode a command as MetaQ writes it (each command's encoder is in commands/<name>.ts). Returns
 * the header and, for commands with a body, the body as a second buffer so callers can hand both
 * to one writev without copying.
 */
export function encodeCommand(command: Command): Buffer[] {
  switch (command.kind) {
    case 'put':
      return encodePut(command);
    case 'mput':
      return encodePutSet(command);
    case 'dput':
      return encodeDelayedPut(command);
    case 'get':
      return encodeGet(command);
    case 'wget':
      return encodeWaitingGet(command);
    case 'okey':
      return encodeKeyOffsets(command);
    case 'otime':
      return encodeOffsetForTime(command);
    case 'offset':
      return encodeOffset(command);
    case 'result':
      return encodeResultCommand(command);
    case 'value':
      return encodeValue(command);
    case 'stats':
      return encodeStats(command);
    case 'version':
      return encodeVersion(command);
    case 'quit':
      return encodeQuit();
    case 'transaction':
      return encodeTransaction(command);
    case 'syncend':
      return encodeSyncEnd(command);
    case 'auth':
      return encodeAuth(command);
    case 'admin':
      return encodeAdmin(command);
    case 'sync':
      return encodeSync(command);
  }
}

/** The whole frame as one buffer (tests, fixtures, small frames). */
export function encodeToBuffer(command: Command): Buffer {
  const parts = encodeCommand(command);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** `result <code> <len> <opaque>` with a UTF-8 text body: the broker's usual answer. */
export function encodeResult(code: number, opaque: number, text: string): Buffer {
  return Buffer.from(resultFrame(code, opaque, text), 'utf8');
}

/** The same frame as text, for a connection to write with the other replies of its tick. */
export function resultFrame(code: number, opaque: number, text: string): string {
  return `result ${code} ${Buffer.byteLength(text)} ${opaque}\r\n${text}`;
}

/**
 * The answer to a stored put (`<id> <partition> <offset>`) or set (then ` <count>` too), as
 * text: what ReplyBytes.stored writes as bytes on a connection's hot path.
 */
export function storedFrame(opaque: number, id: bigint, partition: number, offset: number, count?: number): string {
  return resultFrame(Status.success, opaque, `${id} ${partition} ${offset}${count === undefined ? '' : ` ${count}`}`);
}
