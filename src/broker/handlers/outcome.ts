import { Status } from '../../protocol/status.js';

/**
 * What a command came to, as data: the broker port writes it as reply bytes
 * (connection-replies.ts), the HTTP front end as an HTTP response, and the stats count it
 * (stats/request-stats.ts). Handlers never write bytes or bump counters themselves.
 */
export type Outcome = StoredOutcome | OkOutcome | RefusedOutcome | WriteFailedOutcome | MessagesOutcome;

/** A put or set stored (and replicated): `result 200` with `<id> <partition> <offset>`, and ` <count>` for a set. */
export interface StoredOutcome {
  kind: 'stored';
  /** The message's id; a set's first. */
  id: bigint;
  partition: number;
  offset: number;
  /** A set's record count, shown in its reply; -1 for a single put (no count shown). */
  count: number;
  /** Messages stored: a compressed record holds many. */
  messages: number;
  payloadBytes: number;
  /** An idempotent set sent again, answered as it was the first time (nothing stored now). */
  retried: boolean;
}

/** `result 200` with a text. */
export interface OkOutcome {
  kind: 'ok';
  text: string;
}

/** What a refusal is counted as (undefined: not counted). */
export type RefusalCause =
  /** The connection already had maxInFlightRequests unanswered. */
  | 'busy'
  /** A topic or group outside the name rules. */
  | 'name'
  /** The user lacks the right the command needs. */
  | 'denied'
  /** A failed login (not one refused by the back-off). */
  | 'login'
  /** A get that found nothing at its offset (404) or was sent elsewhere (301). */
  | 'miss'
  /** A transactional put or a replica's `sync` frame that failed. */
  | 'putFailed';

/** `result <status>` with the reason as its text. */
export interface RefusedOutcome {
  kind: 'refused';
  status: number;
  text: string;
  cause: RefusalCause | undefined;
  /** The connection closes once this is sent (a failed login). */
  close: boolean;
}

/** A write (`put`, `mput`, `dput`) that stored nothing: `result <status>` with MetaQ's failure text. */
export interface WriteFailedOutcome {
  kind: 'writeFailed';
  status: number;
  text: string;
  /** The partition it was for (the one the broker picked for partition -1). */
  partition: number;
  /** Messages it held, as far as they were counted (a compressed record holds many). */
  messages: number;
  /** Refused for a message over the topic's maxMessageSize. */
  oversized: boolean;
}

/** A get's message set: `value <length>` and the bytes. */
export interface MessagesOutcome {
  kind: 'messages';
  bytes: Buffer;
  /** Called once the bytes are handed to the kernel (or never will be): a pooled buffer goes back. */
  release: (() => void) | undefined;
}

export function ok(text: string): OkOutcome {
  return { kind: 'ok', text };
}

export function refused(status: number, text: string, cause?: RefusalCause, close = false): RefusedOutcome {
  return { kind: 'refused', status, text, cause, close };
}

/** The status a reply carries. */
export function statusOf(outcome: Outcome): number {
  return outcome.kind === 'refused' || outcome.kind === 'writeFailed' ? outcome.status : Status.success;
}

/** The text of a stored put's or set's reply: `<id> <partition> <offset>`, and ` <count>` for a set. */
export function storedText(outcome: StoredOutcome): string {
  return `${outcome.id} ${outcome.partition} ${outcome.offset}${outcome.count < 0 ? '' : ` ${outcome.count}`}`;
}
