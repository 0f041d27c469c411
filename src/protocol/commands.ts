/**
 * Every MetaQ command (§1.3) as a typed value. Requests and responses share one decoder, so the
 * broker and the client use the same types. Offsets are numbers (byte positions stay far below
 * 2^53); message ids are bigint because they use all 63 bits.
 */

/** The decoded form of Long.MAX_VALUE, which Java consumers send to mean "from the newest message". */
export const LONG_MAX_OFFSET = 2 ** 63;

/** The opaque the broker uses for `stats` and `version` sent without one (§1.2). */
export const DEFAULT_OPAQUE = 2147483647;

export interface PutCommand {
  kind: 'put';
  topic: string;
  /** Broker-local partition, or -1 for "broker picks". */
  partition: number;
  flag: number;
  /** -1 when the client did not send one (legacy shapes). */
  checksum: number;
  txKey: string | undefined;
  opaque: number;
  body: Buffer;
}

export interface GetCommand {
  kind: 'get';
  topic: string;
  group: string;
  partition: number;
  offset: number;
  maxSize: number;
  opaque: number;
}

export interface OffsetCommand {
  kind: 'offset';
  topic: string;
  group: string;
  partition: number;
  offset: number;
  opaque: number;
}

export interface ResultCommand {
  kind: 'result';
  code: number;
  opaque: number;
  body: Buffer;
}

export interface ValueCommand {
  kind: 'value';
  opaque: number;
  body: Buffer;
}

export interface StatsCommand {
  kind: 'stats';
  /** undefined for a bare `stats`; "" for the Java client's `stats  <opaque>`. */
  item: string | undefined;
  opaque: number;
}

export interface VersionCommand {
  kind: 'version';
  opaque: number;
}

export interface QuitCommand {
  kind: 'quit';
}

export const TransactionTypes = [
  'BEGIN',
  'END',
  'PREPARE',
  'COMMIT_ONE_PHASE',
  'COMMIT_TWO_PHASE',
  'ROLLBACK',
  'RECOVER',
  'FORGET',
  // metaq's operator extensions (§5.6.4): finish a prepared XA transaction by hand.
  'HEURISTIC_COMMIT',
  'HEURISTIC_ROLLBACK',
] as const;
export type TransactionType = (typeof TransactionTypes)[number];

export interface TransactionCommand {
  kind: 'transaction';
  /** `TX:<session>:<n>`, `XID:<format>:<gtrid>:<bqual>:<qualifier>`, or `null`. */
  txKey: string;
  sessionId: string;
  type: TransactionType;
  /** Seconds; 0 when not sent. */
  timeout: number;
  uniqueQualifier: string | undefined;
  opaque: number;
}

export interface SyncCommand {
  kind: 'sync';
  topic: string;
  partition: number;
  flag: number;
  msgId: bigint;
  checksum: number;
  /**
   * metaq extension (a token after the checksum, sent by metaq masters only): the offset the
   * record has on the master, where it must land on the slave; a slave whose copy ends elsewhere
   * refuses it instead of storing it at the wrong place.
   */
  offset?: number;
  opaque: number;
  body: Buffer;
}

/**
 * metaq extension, sent only by a metaq sync master to its slave (never by MetaQ peers): "make
 * sure this partition exists, created empty at `startOffset` if missing, and tell me where your
 * copy ends". The reply is `result 200` with the slave's end offset once its queued appends are
 * written, so the master knows where to resume replicating.
 */
export interface SyncEndCommand {
  kind: 'syncend';
  topic: string;
  partition: number;
  startOffset: number;
  opaque: number;
}

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+mput`: `count` records for
 * one partition in one frame, the body in the log's record format (length, checksum, id -1 as a
 * placeholder, flag, payload). The broker checks every checksum, assigns the ids and appends the set as it is; the
 * reply is `result 200` with `<firstId> <partition> <firstOffset> <count>` (ids consecutive in the
 * sense of `idAfter`).
 */
export interface PutSetCommand {
  kind: 'mput';
  topic: string;
  /** Broker-local partition, or -1 for "broker picks". */
  partition: number;
  count: number;
  /**
   * Sent only to a broker listing `+idem`, as two tokens before the opaque: an idempotent
   * producer's id and this set's number in its sequence for the partition. A retry carries the
   * same pair and is answered with the original reply instead of being stored again.
   */
  producer?: { id: string; sequence: number };
  opaque: number;
  body: Buffer;
}

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+dput`: a set like
 * `mput`'s, stored by the broker in its schedule and appended to the partition at `deliverAtMs`
 * (milliseconds since 1970; a time already past means now). The reply is `result 200` with
 * `<scheduleId> <partition> <deliverAtMs> <count>`; the messages get their ids and offsets when
 * they are delivered.
 */
export interface DelayedPutCommand {
  kind: 'dput';
  topic: string;
  /** Broker-local partition, or -1 for "broker picks". */
  partition: number;
  count: number;
  deliverAtMs: number;
  opaque: number;
  body: Buffer;
}

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+wget`: a `get` that, when
 * the partition has nothing new at `offset`, waits up to `maxWaitMs` for messages to become
 * visible before answering (Kafka's fetch wait). Its answers are exactly those of `get`.
 */
export interface WaitingGetCommand {
  kind: 'wget';
  topic: string;
  group: string;
  partition: number;
  offset: number;
  maxSize: number;
  maxWaitMs: number;
  opaque: number;
}

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+otime`: the offset of the
 * first message of a partition appended at or after `timeMs` (ms since 1970), or the partition's
 * end when there is none; answered `result 200 <offset>` (404 for an unknown partition).
 */
export interface OffsetForTimeCommand {
  kind: 'otime';
  topic: string;
  partition: number;
  timeMs: number;
  opaque: number;
}

/**
 * metaq extension, sent only to a broker whose `version` reply lists `+okey`: the offsets of a
 * partition's messages whose key (attribute) is `key`, oldest first, the newest `limit` of them;
 * answered `result 200 <offset> <offset>…` (empty where the topic does not index keys). The key
 * travels URI-encoded (`encodeURIComponent`), so it may hold spaces.
 */
export interface KeyOffsetsCommand {
  kind: 'okey';
  topic: string;
  partition: number;
  key: string;
  limit: number;
  opaque: number;
}

/** The most offsets one `okey` answers with. */
export const MAX_KEY_OFFSETS = 10_000;

/** The longest a broker holds a waiting get, whatever the client asks. */
export const MAX_GET_WAIT_MS = 30_000;

/** What a broker adds to its `version` reply to offer the batched put. */
export const PUT_SET_EXTENSION = '+mput';
/** … and the waiting get. */
export const WAITING_GET_EXTENSION = '+wget';
/** … and the offset of a time. */
export const OFFSET_FOR_TIME_EXTENSION = '+otime';
/** … and idempotent sets (`mput` with a producer id and sequence). */
export const IDEMPOTENT_PUT_EXTENSION = '+idem';
/** … and delayed sets (`dput`). */
export const DELAYED_PUT_EXTENSION = '+dput';
/** … and the offsets of a key (`okey`). */
export const KEY_OFFSETS_EXTENSION = '+okey';
/** Every extension a metaq broker offers, as its `version` reply lists them. */
export const BROKER_EXTENSIONS = [PUT_SET_EXTENSION, WAITING_GET_EXTENSION, OFFSET_FOR_TIME_EXTENSION, IDEMPOTENT_PUT_EXTENSION, DELAYED_PUT_EXTENSION, KEY_OFFSETS_EXTENSION];

/** Longest idempotent producer id, on the wire and in the broker's producer journal. */
export const MAX_PRODUCER_ID_LENGTH = 64;

export { offeredExtensions } from './commands/version.js';

/**
 * metaq extension, offered as `+auth` by a broker with `[auth] enabled=true`: one step of a SASL
 * exchange (`auth <mechanism> <len> <opaque>\r\n<message>`), answered `result 200` with the
 * broker's next message, or `result 401` when it failed. SCRAM-SHA-256 takes two steps.
 */
export interface AuthCommand {
  kind: 'auth';
  mechanism: string;
  opaque: number;
  body: Buffer;
}

/** The longest SASL message accepted: SCRAM's are a few hundred bytes. */
export const MAX_AUTH_MESSAGE = 1024;
/** What a broker that requires authentication adds to its `version` reply. */
export const AUTH_EXTENSION = '+auth';

/** metaq extension: an operator action on a broker (`admin resubscribe`), answered with `result`. */
export interface AdminCommand {
  kind: 'admin';
  action: string;
  opaque: number;
}

export type Command =
  | AuthCommand
  | PutCommand
  | PutSetCommand
  | DelayedPutCommand
  | GetCommand
  | WaitingGetCommand
  | OffsetCommand
  | OffsetForTimeCommand
  | KeyOffsetsCommand
  | ResultCommand
  | ValueCommand
  | StatsCommand
  | VersionCommand
  | QuitCommand
  | TransactionCommand
  | SyncCommand
  | SyncEndCommand
  | AdminCommand;
