/**
 * Every MetaQ command (docs/protocol.md) as a typed value, and the constants commands share.
 * Requests and responses share one decoder, so the broker and the client use the same types.
 * Offsets are numbers (byte positions stay far below 2^53); message ids are bigint because they
 * use all 63 bits.
 */
import type { AuthCommand } from './commands/auth.js';
import type { PutCommand } from './commands/put.js';
import type { PutSetCommand } from './commands/put-set.js';
import type { DelayedPutCommand } from './commands/delayed-put.js';
import type { GetCommand, WaitingGetCommand } from './commands/get.js';
import type { OffsetCommand } from './commands/offset.js';
import type { OffsetForTimeCommand } from './commands/offset-for-time.js';
import type { KeyOffsetsCommand } from './commands/key-offsets.js';
import type { ResultCommand, ValueCommand } from './commands/reply.js';
import type { StatsCommand } from './commands/stats.js';
import type { VersionCommand } from './commands/version.js';
import type { QuitCommand } from './commands/quit.js';
import type { TransactionCommand } from './commands/transaction.js';
import type { SyncCommand } from './commands/sync.js';
import type { SyncEndCommand } from './commands/sync-end.js';
import type { AdminCommand } from './commands/admin.js';

/** The decoded form of Long.MAX_VALUE, which Java consumers send to mean "from the newest message". */
export const LONG_MAX_OFFSET = 2 ** 63;

/** The opaque the broker uses for `stats` and `version` sent without one (docs/protocol.md, opaque). */
export const DEFAULT_OPAQUE = 2147483647;

export const TransactionTypes = [
  'BEGIN',
  'END',
  'PREPARE',
  'COMMIT_ONE_PHASE',
  'COMMIT_TWO_PHASE',
  'ROLLBACK',
  'RECOVER',
  'FORGET',
  // metaq's operator extensions (docs/transactions.md): finish a prepared XA transaction by hand.
  'HEURISTIC_COMMIT',
  'HEURISTIC_ROLLBACK',
] as const;
export type TransactionType = (typeof TransactionTypes)[number];

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
export const BROKER_EXTENSIONS = [
  PUT_SET_EXTENSION,
  WAITING_GET_EXTENSION,
  OFFSET_FOR_TIME_EXTENSION,
  IDEMPOTENT_PUT_EXTENSION,
  DELAYED_PUT_EXTENSION,
  KEY_OFFSETS_EXTENSION,
];

/** Longest idempotent producer id, on the wire and in the broker's producer journal. */
export const MAX_PRODUCER_ID_LENGTH = 64;

/** The extensions a `version` reply offers: its `+name` words (a MetaQ broker's has none). */
export function offeredExtensions(versionText: string): Set<string> {
  return new Set(versionText.split(' ').filter((word) => word.startsWith('+')));
}

/** The longest SASL message accepted: SCRAM's are a few hundred bytes. */
export const MAX_AUTH_MESSAGE = 1024;
/** What a broker that requires authentication adds to its `version` reply. */
export const AUTH_EXTENSION = '+auth';

/** Each command's shape, encoder, header parser and reply decoder live in commands/<name>.ts. */
export type { AuthCommand } from './commands/auth.js';
export type { PutCommand } from './commands/put.js';
export type { PutSetCommand } from './commands/put-set.js';
export type { DelayedPutCommand } from './commands/delayed-put.js';
export type { GetCommand, WaitingGetCommand } from './commands/get.js';
export type { OffsetCommand } from './commands/offset.js';
export type { OffsetForTimeCommand } from './commands/offset-for-time.js';
export type { KeyOffsetsCommand } from './commands/key-offsets.js';
export type { ResultCommand, ValueCommand } from './commands/reply.js';
export type { StatsCommand } from './commands/stats.js';
export type { VersionCommand } from './commands/version.js';
export type { QuitCommand } from './commands/quit.js';
export type { TransactionCommand } from './commands/transaction.js';
export type { SyncCommand } from './commands/sync.js';
export type { SyncEndCommand } from './commands/sync-end.js';
export type { AdminCommand } from './commands/admin.js';

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
