import type { ValueCommand } from '../commands.js';
import { Status } from '../status.js';
import type { Reply } from './reply.js';
import { refusal } from './reply.js';

/** Nothing at the offset yet (404). */
export interface GetCaughtUp {
  kind: 'caughtUp';
}

/** The offset is not in the log: continue at `offset` (301). */
export interface GetMoved {
  kind: 'moved';
  offset: number;
}

/** The partition is closed or not readable here for now (403). */
export interface GetUnavailable {
  kind: 'unavailable';
  reason: string;
}

/** A `get` or `wget` answer: the bytes at the offset (`value`, the reply itself), or where to go instead. */
export type GetReply = ValueCommand | GetCaughtUp | GetMoved | GetUnavailable;

const CAUGHT_UP: GetCaughtUp = Object.freeze({ kind: 'caughtUp' });

/** A get's reply as what to do next (docs/protocol.md, get); any other status throws its BrokerError. */
export function decodeGetReply(reply: Reply): GetReply {
  if (reply.kind === 'value') return reply;
  if (reply.code === Status.notFound) return CAUGHT_UP;
  if (reply.code === Status.moved) return { kind: 'moved', offset: Number(reply.body.toString()) };
  if (reply.code === Status.forbidden) return { kind: 'unavailable', reason: reply.body.toString() };
  throw refusal(reply);
}
