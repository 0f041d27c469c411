import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** An `auth` step's reply as the broker's next SASL message; a refusal (401) throws its BrokerError. */
export function decodeAuthReply(reply: Reply): string {
  return successText(reply);
}
