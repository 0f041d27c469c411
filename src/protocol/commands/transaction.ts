import { XaError } from '../broker-error.js';
import type { Reply } from './reply.js';
import { isSuccess, refusal } from './reply.js';

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
