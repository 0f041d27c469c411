/**
 * The one registry of metaq's error codes: every `MetaqError.code`, what it means, and whether
 * the same call may succeed if made again (`retriable`). `outcomeUnknown` marks the codes where
 * the broker may already have acted, so a retry may apply the operation twice unless it is
 * idempotent. Broker refusals (`BROKER_ERROR`) take both flags from their status instead
 * (protocol/status.ts). A code not listed here is not retriable.
 *
 * | code | meaning | retriable | outcome unknown |
 * |---|---|---|---|
 * | `TIMEOUT` | a request got no reply in time | yes | yes |
 * | `CONNECTION_LOST` | the connection failed with the request in flight | yes | yes |
 * | `BROKER_ERROR` | the broker answered an error status | per status | per status |
 * | `XA_ERROR` | a transaction command failed with an XA code | no | no |
 * | `TRANSACTION_STATE_UNKNOWN` | a commit or rollback got no answer | no | yes |
 * | `TRANSACTION_ACTIVE` | a send outside a transaction on a producer that has one open | no | no |
 * | `TRANSACTION_ROLLED_BACK` | a branch could not prepare, so the transaction was rolled back | no | no |
 * | `NO_TRANSACTION` | a commit or rollback with no transaction open | no | no |
 * | `XA_TRANSACTION` | a local-transaction call on an XA producer | no | no |
 * | `AUTHENTICATION` | the broker refused the login | no | no |
 * | `INVALID_ARGUMENT` | a public function got a value it cannot use | no | no |
 * | `ABORTED` | cancelled through its AbortSignal | no | no |
 * | `CLOSED` | the client, producer or consumer is closed | no | no |
 * | `UNSUPPORTED` | the broker lacks the extension the call needs | no | no |
 * | `CORRUPT_MESSAGE` | a fetched message fails its checksum | no | no |
 * | `MESSAGE_TOO_LARGE` | a message is larger than the fetch's maxSize | no | no |
 * | `NO_PARTITIONS` | the topic has no partitions on any broker | no | no |
 * | `PROTOCOL_ERROR` | bytes that do not form a MetaQ command | no | no |
 * | `CONFIG_ERROR` | a configuration file or value that cannot be used | no | no |
 * | `STORAGE_FULL` | the disk is full, nothing was stored | yes | no |
 * | `STORAGE_FAILED` | a write or fsync failed, the partition is fenced | no | no |
 * | `STORAGE_CORRUPT` | bytes on disk fail their checksum | no | no |
 * | `STORAGE_CLOSED` | the log is closing or closed | no | no |
 * | `ZK_CONNECT_FAILED` | ZooKeeper could not be reached | yes | no |
 * | `ZK_TIMEOUT` | a ZooKeeper request got no answer in time | yes | yes |
 * | `ZK_SESSION_LOST` | the ZooKeeper session expired | yes | yes |
 * | `ZK_ERROR` | ZooKeeper refused a request | no | no |
 * | `USAGE`, `NOT_FOUND`, `BROKER_REFUSED` | a command-line call that cannot be done as given | no | no |
 * | `BAD_BROKER_ID`, `BROKER_ID_TAKEN`, `BAD_EPOCH`, `MASTER_ALIVE`, `NO_SYNC_SLAVE`, `PROMOTION_RACE`, `PROMOTION_TIMEOUT`, `NOT_A_DEAD_LETTER`, `HTTP_LISTEN` | an operator action or broker start refused | no | no |
 */

export interface ErrorCodeInfo {
  /** The same call may succeed if made again (later, or elsewhere). */
  readonly retriable: boolean;
  /** The broker may have acted on the request: a retry may apply it twice. */
  readonly outcomeUnknown: boolean;
}

const NOT_RETRIABLE: ErrorCodeInfo = { retriable: false, outcomeUnknown: false };
const RETRIABLE: ErrorCodeInfo = { retriable: true, outcomeUnknown: false };
const RETRIABLE_UNKNOWN: ErrorCodeInfo = { retriable: true, outcomeUnknown: true };

/** Codes that are retriable or leave the outcome unknown; every other code is neither. */
const ErrorCodes: Readonly<Record<string, ErrorCodeInfo>> = {
  TIMEOUT: RETRIABLE_UNKNOWN,
  CONNECTION_LOST: RETRIABLE_UNKNOWN,
  TRANSACTION_STATE_UNKNOWN: { retriable: false, outcomeUnknown: true },
  STORAGE_FULL: RETRIABLE,
  ZK_CONNECT_FAILED: RETRIABLE,
  ZK_TIMEOUT: RETRIABLE_UNKNOWN,
  ZK_SESSION_LOST: RETRIABLE_UNKNOWN,
};

/** What the registry says of `code`. */
export function errorCodeInfo(code: string): ErrorCodeInfo {
  return Object.hasOwn(ErrorCodes, code) ? ErrorCodes[code]! : NOT_RETRIABLE;
}
