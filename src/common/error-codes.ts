/**
 * The one registry of metaq's error codes: every `MetaqError.code`, what it means, whether the
 * same call may succeed if made again (`retriable`), and whether the broker may already have acted
 * (`outcomeUnknown`: a retry may apply the operation twice unless it is idempotent). `MetaqError`
 * takes only codes listed here, so a new code cannot be thrown without its flags. Broker refusals
 * (`BROKER_ERROR`) take both flags from their status instead (protocol/status.ts).
 */

export interface ErrorCodeInfo {
  readonly meaning: string;
  /** The same call may succeed if made again (later, or elsewhere). */
  readonly retriable: boolean;
  /** The broker may have acted on the request: a retry may apply it twice. */
  readonly outcomeUnknown: boolean;
}

function never(meaning: string): ErrorCodeInfo {
  return { meaning, retriable: false, outcomeUnknown: false };
}

function retry(meaning: string, outcomeUnknown = false): ErrorCodeInfo {
  return { meaning, retriable: true, outcomeUnknown };
}

export const ErrorCodes = {
  // Requests and connections
  TIMEOUT: retry('a request got no reply in time', true),
  CONNECTION_LOST: retry('the connection failed with the request in flight', true),
  BROKER_ERROR: never('the broker answered an error status (flags from the status)'),
  PROTOCOL_ERROR: never('bytes that do not form a MetaQ command'),
  AUTHENTICATION: never('the broker refused the login'),
  UNSUPPORTED: never('the broker lacks the extension the call needs'),
  // The client's own calls
  INVALID_ARGUMENT: never('a public function got a value it cannot use'),
  ABORTED: never('cancelled through its AbortSignal'),
  CLOSED: never('the client, producer or consumer is closed'),
  NO_PARTITIONS: never('the topic has no partitions on any broker'),
  CORRUPT_MESSAGE: never('a fetched message fails its checksum'),
  MESSAGE_TOO_LARGE: never('a message is larger than the fetch size'),
  NOT_A_MESSAGE_START: never('a fetch offset that is not where a message begins'),
  // Transactions
  XA_ERROR: never('a transaction command failed with an XA code'),
  TRANSACTION_STATE_UNKNOWN: { meaning: 'a commit or rollback got no answer', retriable: false, outcomeUnknown: true },
  TRANSACTION_ACTIVE: never('a send outside a transaction on a producer that has one open'),
  TRANSACTION_ROLLED_BACK: never('a branch could not prepare, so the transaction was rolled back'),
  TRANSACTION_STATE: never("a local transaction call its state does not allow (a bug in the caller's order)"),
  NO_TRANSACTION: never('a commit or rollback with no transaction open'),
  XA_TRANSACTION: never('a local-transaction call on an XA producer'),
  // Storage
  STORAGE_FULL: retry('the disk is full, nothing was stored'),
  STORAGE_FAILED: never('a write or fsync failed, the partition is fenced'),
  STORAGE_CORRUPT: never('bytes on disk fail their checksum'),
  STORAGE_CLOSED: never('the log is closing or closed'),
  // Topics and partitions the broker will not store
  INVALID_TOPIC: never('a topic or partition outside the name rules'),
  TOPIC_NOT_ACCEPTED: never('a topic no [topic=…] section accepts'),
  WRONG_PARTITION: never("a partition outside the topic's numPartitions"),
  TOPIC_EXISTS: never('a topic create for a topic the broker already has'),
  TOO_MANY_TOPICS: retry('the broker holds maxTopics topics; another may fit after retention or an operator'),
  TOO_MANY_PARTITIONS: retry('the broker holds maxPartitions partitions; another may fit after retention or an operator'),
  // ZooKeeper
  ZK_CONNECT_FAILED: retry('ZooKeeper could not be reached'),
  ZK_TIMEOUT: retry('a ZooKeeper request got no answer in time', true),
  ZK_SESSION_LOST: retry('the ZooKeeper session expired', true),
  ZK_ERROR: never('ZooKeeper refused a request'),
  // The broker's start, configuration and operator actions
  CONFIG_ERROR: never('a configuration file or value that cannot be used'),
  HTTP_LISTEN: never('the HTTP port could not be opened'),
  REPLACED: never('a newer replication stream replaced this one'),
  REPLACED_MASTER: never('another broker became master of this broker id'),
  ROLE_TRANSITION_REFUSED: never('a replication role change the role table does not allow'),
  BAD_BROKER_ID: never('a broker id that is not a number in range'),
  BROKER_ID_TAKEN: never('another live broker registered the same id'),
  BAD_EPOCH: never('a promotion epoch that is not newer than the current one'),
  MASTER_ALIVE: never('a promotion while the master still holds its session'),
  NO_SYNC_SLAVE: never('a promotion of a broker that is not a sync slave'),
  PROMOTION_RACE: never('another broker claimed the epoch first'),
  PROMOTION_TIMEOUT: never('the master did not go away in time'),
  REBALANCE_STALE: retry('a rebalance read a registration that changed meanwhile; it runs again'),
  MOVE_IN_PROGRESS: never('a partition move was asked for a partition already being moved'),
  MOVE_REFUSED: never('a partition move that cannot be done as planned'),
  NOT_A_DEAD_LETTER: never('a replayed message that did not come from the dead-letter topic'),
  // The command line
  USAGE: never('a command-line call that cannot be done as given'),
  NOT_FOUND: never('what the command names does not exist'),
  BROKER_REFUSED: never('the broker refused the operator action'),
} as const satisfies Record<string, ErrorCodeInfo>;

/** Every code a MetaqError may carry. */
export type ErrorCode = keyof typeof ErrorCodes;

/** What the registry says of `code`. */
export function errorCodeInfo(code: ErrorCode): ErrorCodeInfo {
  return ErrorCodes[code];
}
