import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** An `otime` reply as the offset it names; a refusal (404: no such partition) throws its BrokerError. */
export function decodeOffsetForTimeReply(reply: Reply): number {
  return Number(successText(reply));
}
