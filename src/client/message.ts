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
}
