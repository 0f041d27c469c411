import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** An `okey` reply as its offsets, oldest first (none for an empty body); a refusal throws its BrokerError. */
export function decodeKeyOffsetsReply(reply: Reply): number[] {
  const text = successText(reply);
  return text === '' ? [] : text.split(' ').map(Number);
}
