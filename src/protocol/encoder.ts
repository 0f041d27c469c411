import type { Command } from './commands.js';
import { LONG_MAX_OFFSET } from './commands.js';
import { Status } from './status.js';

/**
 * Encode a command as MetaQ writes it. Returns the header and, for commands with a body, the
 * body as a second buffer so callers can hand both to one writev without copying.
 */
export function encodeCommand(command: Command): Buffer[] {
  switch (command.kind) {
    case 'put': {
      const optional = (command.checksum === -1 ? '' : ` ${command.checksum}`) + (command.txKey === undefined ? '' : ` ${command.txKey}`);
      return framed(`put ${command.topic} ${command.partition} ${command.body.length} ${command.flag}${optional} ${command.opaque}`, command.body);
    }
    case 'mput':
      if (command.producer !== undefined) return framed(`mput ${command.topic} ${command.partition} ${command.body.length} ${command.count} ${command.producer.id} ${command.producer.sequence} ${command.opaque}`, command.body);
      return framed(`mput ${command.topic} ${command.partition} ${command.body.length} ${command.count} ${command.opaque}`, command.body);
    case 'dput':
      return framed(`dput ${command.topic} ${command.partition} ${command.body.length} ${command.count} ${command.deliverAtMs} ${command.opaque}`, command.body);
    case 'get':
      return [line(`get ${command.topic} ${command.group} ${command.partition} ${offsetText(command.offset)} ${command.maxSize} ${command.opaque}`)];
    case 'wget':
      return [line(`wget ${command.topic} ${command.group} ${command.partition} ${offsetText(command.offset)} ${command.maxSize} ${command.maxWaitMs} ${command.opaque}`)];
    case 'okey':
      return [line(`okey ${command.topic} ${command.partition} ${encodeURIComponent(command.key)} ${command.limit} ${command.opaque}`)];
    case 'otime':
      return [line(`otime ${command.topic} ${command.partition} ${command.timeMs} ${command.opaque}`)];
    case 'offset':
      return [line(`offset ${command.topic} ${command.group} ${command.partition} ${offsetText(command.offset)} ${command.opaque}`)];
    case 'result':
      return framed(`result ${command.code} ${command.body.length} ${command.opaque}`, command.body);
    case 'value':
      return framed(`value ${command.body.length} ${command.opaque}`, command.body);
    case 'stats':
      return [line(`stats ${command.item ?? ''} ${command.opaque}`)];
    case 'version':
      return [line(`version ${command.opaque}`)];
    case 'quit':
      return [line('quit')];
    case 'transaction': {
      const timeout = command.timeout > 0 ? ` ${command.timeout}` : '';
      const qualifier = command.uniqueQualifier ? ` ${command.uniqueQualifier}` : '';
      return [line(`transaction ${command.txKey} ${command.sessionId} ${command.type}${timeout}${qualifier} ${command.opaque}`)];
    }
    case 'syncend':
      return [line(`syncend ${command.topic} ${command.partition} ${command.startOffset} ${command.opaque}`)];
    case 'auth':
      return framed(`auth ${command.mechanism} ${command.body.length} ${command.opaque}`, command.body);
    case 'admin':
      return [line(`admin ${command.action} ${command.opaque}`)];
    case 'sync': {
      const checksum = command.checksum === -1 ? '' : ` ${command.checksum}${command.offset === undefined ? '' : ` ${command.offset}`}`;
      return framed(`sync ${command.topic} ${command.partition} ${command.body.length} ${command.flag} ${command.msgId}${checksum} ${command.opaque}`, command.body);
    }
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

/** Offsets as Java longs: the "newest" marker goes out as Long.MAX_VALUE exactly. */
function offsetText(offset: number): string {
  return offset === LONG_MAX_OFFSET ? '9223372036854775807' : String(offset);
}

function line(text: string): Buffer {
  return Buffer.from(`${text}\r\n`, 'utf8');
}

function framed(header: string, body: Buffer): Buffer[] {
  return body.length === 0 ? [line(header)] : [line(header), body];
}
