// `result` and `value`: what every request is answered with, and the helpers each reply decoder uses (docs/protocol.md, replies).
import { parseJavaInt } from '../java-numbers.js';
import { bodyLength, EMPTY, need } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { framed } from './wire-text.js';
import { BrokerError } from '../broker-error.js';
import { Status } from '../status.js';

export interface ResultCommand {
  kind: 'result';
  code: number;
  opaque: number;
  body: Buffer;
}

export interface ValueCommand {
  kind: 'value';
  opaque: number;
  body: Buffer;
}

/** `result <code> <len> <opaque>` and its body. */
export function encodeResultCommand(command: ResultCommand): Buffer[] {
  return framed(`result ${command.code} ${command.body.length} ${command.opaque}`, command.body);
}

/** `value <len> <opaque>` and its body. */
export function encodeValue(command: ValueCommand): Buffer[] {
  return framed(`value ${command.body.length} ${command.opaque}`, command.body);
}

/** The command line's tokens as a command (body still to come). */
export function parseResultHeader(t: string[]): ParsedHeader {
  need(t, 4, 'result code len opaque');
  return {
    command: { kind: 'result', code: parseJavaInt(t[1], 'code'), opaque: parseJavaInt(t[3], 'opaque'), body: EMPTY },
    bodyLength: bodyLength(t[2]),
  };
}

/** The command line's tokens as a command (body still to come). */
export function parseValueHeader(t: string[]): ParsedHeader {
  need(t, 3, 'value len opaque');
  return { command: { kind: 'value', opaque: parseJavaInt(t[2], 'opaque'), body: EMPTY }, bodyLength: bodyLength(t[1]) };
}

/** What a broker answers a request with: `result <code>` with a text body, or `value` (a get's messages). */
export type Reply = ResultCommand | ValueCommand;

/** The reply as an error: its status (0 for a `value` where a result was due) and its text. */
export function refusal(reply: Reply): BrokerError {
  return new BrokerError(reply.kind === 'result' ? reply.code : 0, reply.body.toString());
}

/** The text of a `result 200`; any other reply throws its BrokerError. */
export function successText(reply: Reply): string {
  if (reply.kind !== 'result' || reply.code !== Status.success) throw refusal(reply);
  return reply.body.toString();
}

/** The reply is `result 200`. */
export function isSuccess(reply: Reply): boolean {
  return reply.kind === 'result' && reply.code === Status.success;
}
