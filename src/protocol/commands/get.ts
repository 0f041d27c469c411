// `get` and `wget` (metaq's waiting get): read a partition at an offset (docs/protocol.md, get).
import { ProtocolError } from '../../common/errors.js';
import { parseJavaInt, parseJavaOffset } from '../java-numbers.js';
import { need, noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line, offsetText } from './wire-text.js';
import { Status } from '../status.js';
import type { Reply, ValueCommand } from './reply.js';
import { refusal } from './reply.js';

export interface GetCommand {
  kind: 'get';
  topic: string;
  group: string;
  partition: number;
  offset: number;
  maxSize: number;
  opaque: number;
}

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+wget`: a `get` that, when
 * the partition has nothing new at `offset`, waits up to `maxWaitMs` for messages to become
 * visible before answering (Kafka's fetch wait). Its answers are exactly those of `get`.
 */
export interface WaitingGetCommand {
  kind: 'wget';
  topic: string;
  group: string;
  partition: number;
  offset: number;
  maxSize: number;
  maxWaitMs: number;
  opaque: number;
}

/** `get <topic> <group> <partition> <offset> <maxSize> <opaque>`. */
export function encodeGet(command: GetCommand): Buffer[] {
  return [line(`get ${command.topic} ${command.group} ${command.partition} ${offsetText(command.offset)} ${command.maxSize} ${command.opaque}`)];
}

/** `wget`: `get`'s tokens with `maxWaitMs` before the opaque. */
export function encodeWaitingGet(command: WaitingGetCommand): Buffer[] {
  return [
    line(`wget ${command.topic} ${command.group} ${command.partition} ${offsetText(command.offset)} ${command.maxSize} ${command.maxWaitMs} ${command.opaque}`),
  ];
}

/** The command line's tokens as a command (body still to come). */
export function parseGetHeader(t: string[]): ParsedHeader {
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
export function parseWaitingGetHeader(t: string[]): ParsedHeader {
  need(t, 8, 'wget topic group partition offset maxSize maxWaitMs opaque');
  const maxWaitMs = parseJavaInt(t[6], 'maxWaitMs');
  if (maxWaitMs < 0) throw new ProtocolError(`wget maxWaitMs must not be negative, got ${maxWaitMs}`);
  const get = parseGetHeader([...t.slice(0, 6), t[7]!]).command as GetCommand;
  return noBody({ ...get, kind: 'wget', maxWaitMs });
}

/** Nothing at the offset yet (404). */
export interface GetCaughtUp {
  kind: 'caughtUp';
}

/** The offset is not in the log: continue at `offset` (301). */
export interface GetMoved {
  kind: 'moved';
  offset: number;
}

/** The partition is closed or not readable here for now (403). */
export interface GetUnavailable {
  kind: 'unavailable';
  reason: string;
}

/** A `get` or `wget` answer: the bytes at the offset (`value`, the reply itself), or where to go instead. */
export type GetReply = ValueCommand | GetCaughtUp | GetMoved | GetUnavailable;

const CAUGHT_UP: GetCaughtUp = Object.freeze({ kind: 'caughtUp' });

/** A get's reply as what to do next (docs/protocol.md, get); any other status throws its BrokerError. */
export function decodeGetReply(reply: Reply): GetReply {
  if (reply.kind === 'value') return reply;
  if (reply.code === Status.notFound) return CAUGHT_UP;
  if (reply.code === Status.moved) return { kind: 'moved', offset: Number(reply.body.toString()) };
  if (reply.code === Status.forbidden) return { kind: 'unavailable', reason: reply.body.toString() };
  throw refusal(reply);
}
