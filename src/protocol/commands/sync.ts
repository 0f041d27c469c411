import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** A `sync` reply (`<msgId> <partition> <offset>`) as the offset the slave stored the record at; a refusal throws its BrokerError. */
export function decodeSyncReply(reply: Reply): number {
  return Number(successText(reply).split(' ')[2]);
}
