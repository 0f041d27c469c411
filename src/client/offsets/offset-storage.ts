import type { Partition } from '../message.js';

export interface StoredOffset {
  offset: number;
  /** Id of the last message consumed, -1 when unknown (MetaQ's `msgId-offset`, docs/cluster.md). */
  msgId: bigint;
}

export interface OffsetInfo extends StoredOffset {
  topic: string;
  partition: Partition;
}

/** Where a consumer group's positions are kept (docs/client.md). Implementations: memory, file, SQL, yours. */
export interface OffsetStorage {
  load(topic: string, group: string, partition: Partition): Promise<StoredOffset | undefined>;
  /** Record the starting offset of a partition the group has never consumed. */
  initOffset(topic: string, group: string, partition: Partition, offset: number): Promise<void>;
  /** Save the given positions (only those that changed since the last commit). */
  commit(group: string, infos: readonly OffsetInfo[]): Promise<void>;
  close(): Promise<void>;
}
