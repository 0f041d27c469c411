import { Status } from '../status.js';
import type { Reply } from './reply.js';
import { isSuccess, refusal } from './reply.js';

/**
 * An `offset` reply: the valid offset the broker answered (200), or undefined when it has no such
 * partition (404); any other reply throws its BrokerError.
 */
export function decodeOffsetReply(reply: Reply): number | undefined {
  if (isSuccess(reply)) return Number(reply.body.toString());
  if (reply.kind === 'result' && reply.code === Status.notFound) return undefined;
  throw refusal(reply);
}

/** The offset of a `result 200`, undefined for any other reply (for probes that try again later). */
export function answeredOffset(reply: Reply): number | undefined {
  return isSuccess(reply) ? Number(reply.body.toString()) : undefined;
}
