import type { Reply } from './reply.js';
import { successText } from './reply.js';

/** Where a scheduled set (`dput`) waits: the `result 200` body `<scheduleId> <partition> <deliverAtMs> <count>`. */
export interface DelayedPutAck {
  scheduleId: number;
  partition: number;
}

/** A `dput` reply as the schedule entry it made; a refusal throws its BrokerError. */
export function decodeDelayedPutReply(reply: Reply): DelayedPutAck {
  const [scheduleId, partition] = successText(reply).split(' ');
  return { scheduleId: Number(scheduleId), partition: Number(partition) };
}
