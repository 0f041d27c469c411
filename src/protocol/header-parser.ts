import { ProtocolError } from '../common/errors.js';
import type { Command, GetCommand, PutSetCommand, TransactionType } from './commands.js';
import { DEFAULT_OPAQUE, MAX_AUTH_MESSAGE, MAX_KEY_OFFSETS, MAX_PRODUCER_ID_LENGTH, TransactionTypes } from './commands.js';
import { parseJavaInt, parseJavaLong, parseJavaOffset } from './java-numbers.js';
import { validateTransactionKey } from './transaction-key.js';

/** A parsed header line: the command (body still empty) and how many body bytes follow. */
export interface ParsedHeader {
  command: Command;
  bodyLength: number;
}

const EMPTY = Buffer.alloc(0);
const CHECKSUM_START = /^[0-9-]/;
const PRODUCER_ID = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_PRODUCER_ID_LENGTH}}$`);

/** Turn the tokens of one header line into a command, following MetaQ's decoder (§1.1, §1.3). */
export function parseHeader(tokens: string[]): ParsedHeader {
  const word = tokens[0] ?? '';
  switch (word.charAt(0)) {
    case 'p':
      return parsePut(tokens);
    case 'g':
      return parseGet(tokens);
    case 'w':
      if (word !== 'wget') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parseWaitingGet(tokens);
    case 'm':
      if (word !== 'mput') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parsePutSet(tokens);
    case 'o':
      if (word === 'otime') return parseOffsetForTime(tokens);
      if (word === 'okey') return parseKeyOffsets(tokens);
      return parseOffset(tokens);
    case 'r':
      return parseResult(tokens);
    case 'v':
      return word === 'value' ? parseValue(tokens) : noBody({ kind: 'version', opaque: optionalOpaque(tokens[1]) });
    case 's':
      if (word === 'stats') return parseStats(tokens);
      if (word === 'syncend') return parseSyncEnd(tokens);
      if (word !== 'sync') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parseSync(tokens);
    case 't':
      return parseTransaction(tokens);
    case 'q':
      return noBody({ kind: 'quit' });
    case 'd':
      if (word !== 'dput') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      return parseDelayedPut(tokens);
    case 'a':
      if (word === 'auth') return parseAuth(tokens);
      if (word !== 'admin') throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
      need(tokens, 3, 'admin action opaque');
      return noBody({ kind: 'admin', action: tokens[1]!, opaque: parseJavaInt(tokens[2], 'opaque') });
    default:
      throw new ProtocolError(`unknown command ${JSON.stringify(word)}`);
  }
}

function noBody(command: Command): ParsedHeader {
  return { command, bodyLength: 0 };
}

function need(tokens: string[], count: number, shape: string): void {
  if (tokens.length < count) throw new ProtocolError(`${tokens[0] ?? ''} needs ${count} tokens (${shape}), got ${tokens.length}`);
}

function bodyLength(token: string | undefined): number {
  const length = parseJavaInt(token, 'body length');
  if (length < 0) throw new ProtocolError(`body length must not be negative, got ${length}`);
  return length;
}

function optionalOpaque(token: string | undefined): number {
  return token === undefined ? DEFAULT_OPAQUE : parseJavaInt(token, 'opaque');
}

function parsePut(t: string[]): ParsedHeader {
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

function parsePutSet(t: string[]): ParsedHeader {
  need(t, 6, 'mput topic partition len count [producerId sequence] opaque');
  const count = parseJavaInt(t[4], 'count');
  if (count < 1) throw new ProtocolError(`mput count must be at least 1, got ${count}`);
  const idempotent = t.length >= 8;
  let producer: PutSetCommand['producer'];
  if (idempotent) {
    const id = t[5]!;
    if (!PRODUCER_ID.test(id)) throw new ProtocolError(`mput producerId must be 1 to ${MAX_PRODUCER_ID_LENGTH} characters of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(id)}`);
    const sequence = parseJavaInt(t[6], 'sequence');
    if (sequence < 0) throw new ProtocolError(`mput sequence must not be negative, got ${sequence}`);
    producer = { id, sequence };
  }
  return {
    command: { kind: 'mput', topic: t[1]!, partition: parseJavaInt(t[2], 'partition'), count, producer, opaque: parseJavaInt(t[idempotent ? 7 : 5], 'opaque'), body: EMPTY },
    bodyLength: bodyLength(t[3]),
  };
}

function parseDelayedPut(t: string[]): ParsedHeader {
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

function parseAuth(t: string[]): ParsedHeader {
  need(t, 4, 'auth mechanism len opaque');
  const length = bodyLength(t[2]);
  if (length > MAX_AUTH_MESSAGE) throw new ProtocolError(`auth message of ${length} bytes exceeds ${MAX_AUTH_MESSAGE}`);
  return { command: { kind: 'auth', mechanism: t[1]!, opaque: parseJavaInt(t[3], 'opaque'), body: EMPTY }, bodyLength: length };
}

function parseGet(t: string[]): ParsedHeader {
  need(t, 7, 'get topic group partition offset maxSize opaque');
  return noBody({
    kind: 'get',
    topic: t[1]!,
    group: t[2]!,
    partition: parseJavaInt(t[3], 'partition'),
    offset: parseJavaOffset(t[4], 'offset'),
    maxSize: parseJavaInt(t[5], 'maxSize'),
    opaque: parseJavaInt(t[6], 'opaque'),
  });
}

/** `get`'s tokens with `maxWaitMs` before the opaque. */
function parseWaitingGet(t: string[]): ParsedHeader {
  need(t, 8, 'wget topic group partition offset maxSize maxWaitMs opaque');
  const maxWaitMs = parseJavaInt(t[6], 'maxWaitMs');
  if (maxWaitMs < 0) throw new ProtocolError(`wget maxWaitMs must not be negative, got ${maxWaitMs}`);
  const get = parseGet([...t.slice(0, 6), t[7]!]).command as GetCommand;
  return noBody({ ...get, kind: 'wget', maxWaitMs });
}

function parseOffsetForTime(t: string[]): ParsedHeader {
  need(t, 5, 'otime topic partition timeMs opaque');
  const timeMs = parseJavaOffset(t[3], 'timeMs');
  if (timeMs < 0) throw new ProtocolError(`otime timeMs must not be negative, got ${timeMs}`);
  return noBody({ kind: 'otime', topic: t[1]!, partition: parseJavaInt(t[2], 'partition'), timeMs, opaque: parseJavaInt(t[4], 'opaque') });
}

function parseKeyOffsets(t: string[]): ParsedHeader {
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

function parseOffset(t: string[]): ParsedHeader {
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

function parseResult(t: string[]): ParsedHeader {
  need(t, 4, 'result code len opaque');
  return {
    command: { kind: 'result', code: parseJavaInt(t[1], 'code'), opaque: parseJavaInt(t[3], 'opaque'), body: EMPTY },
    bodyLength: bodyLength(t[2]),
  };
}

function parseValue(t: string[]): ParsedHeader {
  need(t, 3, 'value len opaque');
  return { command: { kind: 'value', opaque: parseJavaInt(t[2], 'opaque'), body: EMPTY }, bodyLength: bodyLength(t[1]) };
}

function parseStats(t: string[]): ParsedHeader {
  return noBody({ kind: 'stats', item: t[1], opaque: optionalOpaque(t[2]) });
}

function parseSync(t: string[]): ParsedHeader {
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

function parseSyncEnd(t: string[]): ParsedHeader {
  need(t, 5, 'syncend topic partition startOffset opaque');
  return noBody({ kind: 'syncend', topic: t[1]!, partition: parseJavaInt(t[2], 'partition'), startOffset: parseJavaOffset(t[3], 'startOffset'), opaque: parseJavaInt(t[4], 'opaque') });
}

function parseTransaction(t: string[]): ParsedHeader {
  if (t[0] !== 'transaction') throw new ProtocolError(`unknown command ${JSON.stringify(t[0])}`);
  need(t, 5, 'transaction txKey sessionId type [timeout] [uniqueQualifier] opaque');
  const txKey = t[1]!;
  validateTransactionKey(txKey);
  const type = t[3] as TransactionType;
  if (!TransactionTypes.includes(type)) throw new ProtocolError(`unknown transaction type ${JSON.stringify(t[3])}; expected one of ${TransactionTypes.join(', ')}`);
  let timeout = 0;
  let uniqueQualifier: string | undefined;
  if (t.length === 6) {
    if (/^[0-9]+$/.test(t[4]!)) timeout = parseJavaInt(t[4], 'timeout');
    else uniqueQualifier = t[4];
  } else if (t.length >= 7) {
    timeout = parseJavaInt(t[4], 'timeout');
    uniqueQualifier = t[5];
  }
  return noBody({
    kind: 'transaction',
    txKey,
    sessionId: t[2]!,
    type,
    timeout,
    uniqueQualifier,
    opaque: parseJavaInt(t[Math.min(t.length, 7) - 1], 'opaque'),
  });
}
