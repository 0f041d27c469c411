// `transaction`: local and XA transaction steps (docs/protocol.md, transaction; docs/transactions.md).
import { ProtocolError } from '../../common/errors.js';
import type { TransactionType } from '../commands.js';
import { TransactionTypes } from '../commands.js';
import { parseJavaInt } from '../java-numbers.js';
import { validateTransactionKey } from '../transaction-key.js';
import { need, noBody } from './header-tokens.js';
import type { ParsedHeader } from './header-tokens.js';
import { line } from './wire-text.js';
import { XaError } from '../broker-error.js';
import type { Reply } from './reply.js';
import { isSuccess, refusal } from './reply.js';

export interface TransactionCommand {
  kind: 'transaction';
  /** `TX:<session>:<n>`, `XID:<format>:<gtrid>:<bqual>:<qualifier>`, or `null`. */
  txKey: string;
  sessionId: string;
  type: TransactionType;
  /** Seconds; 0 when not sent. */
  timeout: number;
  uniqueQualifier: string | undefined;
  opaque: number;
}

/** `transaction <txKey> <sessionId> <type> [timeout] [uniqueQualifier] <opaque>`. */
export function encodeTransaction(command: TransactionCommand): Buffer[] {
  const timeout = command.timeout > 0 ? ` ${command.timeout}` : '';
  const qualifier = command.uniqueQualifier ? ` ${command.uniqueQualifier}` : '';
  return [line(`transaction ${command.txKey} ${command.sessionId} ${command.type}${timeout}${qualifier} ${command.opaque}`)];
}

/** The command line's tokens as a command (body still to come). */
export function parseTransactionHeader(t: string[]): ParsedHeader {
  if (t[0] !== 'transaction') throw new ProtocolError(`unknown command ${JSON.stringify(t[0])}`);
  need(t, 5, 'transaction txKey sessionId type [timeout] [uniqueQualifier] opaque');
  const txKey = t[1]!;
  validateTransactionKey(txKey);
  const type = t[3] as TransactionType;
  if (!TransactionTypes.includes(type))
    throw new ProtocolError(`unknown transaction type ${JSON.stringify(t[3])}; expected one of ${TransactionTypes.join(', ')}`);
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

const XA_REPLY = /^XAException:code=(-?\d+),msg=([\s\S]*)$/;

/** How the broker answers an XA failure, as the body of a `result 500`. */
export function xaReplyText(xaCode: number, message: string): string {
  return `XAException:code=${xaCode},msg=${message}`;
}

/**
 * A `transaction` reply as its text (a RECOVER's XIDs, a PREPARE's vote, or empty); an XA failure
 * throws an XaError with the broker's code, any other refusal its BrokerError.
 */
export function decodeTransactionReply(reply: Reply): string {
  const text = reply.body.toString();
  if (isSuccess(reply)) return text;
  const xa = XA_REPLY.exec(text);
  if (xa !== null) throw new XaError(Number(xa[1]), xa[2]!);
  throw refusal(reply);
}
