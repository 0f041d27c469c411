import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** A `syncend` reply as where the slave's copy ends (NaN if the body is not a number); a refusal throws its BrokerError. */
export function decodeSyncEndReply(reply: Reply): number {
  return Number(successText(reply));
}
