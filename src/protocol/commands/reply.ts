import { BrokerError } from '../broker-error.js';
import type { ResultCommand, ValueCommand } from '../commands.js';
import { Status } from '../status.js';

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
