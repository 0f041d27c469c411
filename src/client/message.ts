/** A message to send: data, an optional attribute (for filtering), and the topic. */
export interface OutgoingMessage {
  topic: string;
  data: Uint8Array | string;
  attribute?: string;
  /** Used by key-based partition selectors to keep related messages in order. */
  key?: string;
}

/** A broker partition: `<brokerId>-<index>` in MetaQ's string form. */
export interface Partition {
  brokerId: number;
  index: number;
}

export function partitionName(partition: Partition): string {
  return `${partition.brokerId}-${partition.index}`;
}

/** Parse `"<brokerId>-<index>"`. */
export function parsePartition(text: string): Partition | undefined {
  const match = /^(-?\d+)-(-?\d+)$/.exec(text);
  return match ? { brokerId: Number(match[1]), index: Number(match[2]) } : undefined;
}

/** What a successful send returns. */
export interface SendResult {
  partition: Partition;
  /** Byte offset where the message starts in its partition. */
  offset: number;
  id: bigint;
}

/** Where a batch (`producer.sendBatch`) was stored: its first message and how many followed it. */
export interface BatchSendResult {
  partition: Partition;
  /** Byte offset of the first message; the others follow it contiguously, in the batch's order. */
  offset: number;
  /** Id of the first message; ids increase along the batch. */
  id: bigint;
  count: number;
  /**
   * The sets the batch went as (one unless it passed `batching.maxBatchBytes`), in order: the
   * n-th message of a set has the n-th id after the set's first (`idAfter`) and, unless
   * compressed, starts where the one before it ends. Empty where one put per message was sent.
   */
  sets: Array<{ offset: number; id: bigint; count: number }>;
}

/** A message as a consumer receives it. */
export interface ReceivedMessage {
  topic: string;
  partition: Partition;
  offset: number;
  /** Offset just after this message: where consumption resumes once it is processed. */
  nextOffset: number;
  id: bigint;
  data: Buffer;
  attribute: string | undefined;
  flag: number;
  /** Set on a message the consumer gets again from its group's retry topic (`retryTopics`). */
  retry?: RetryInfo;
}

/** What the listener is told about a message it gets again from the retry topic. */
export interface RetryInfo {
  /** This delivery's number: 2 for the first retry. */
  attempt: number;
  firstFailedAt: Date;
  lastError: string;
  /** Where the retried copy itself was read. */
  retryTopic: string;
  /** Where the message was first stored. */
  origin: { partition: Partition; offset: number; id: bigint };
}
