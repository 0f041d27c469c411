import type { Partition } from '../message.js';
import { partitionName } from '../message.js';
import type { OffsetInfo, OffsetStorage, StoredOffset } from './offset-storage.js';

/** Offsets in this process only: for tests and consumers that always start from a fixed point. */
export class MemoryOffsetStorage implements OffsetStorage {
  private readonly offsets = new Map<string, StoredOffset>();

  private key(topic: string, group: string, partition: Partition): string {
    return `${group}\u0000${topic}\u0000${partitionName(partition)}`;
  }

  load(topic: string, group: string, partition: Partition): Promise<StoredOffset | undefined> {
    return Promise.resolve(this.offsets.get(this.key(topic, group, partition)));
  }

  initOffset(topic: string, group: string, partition: Partition, offset: number): Promise<void> {
    const key = this.key(topic, group, partition);
    if (!this.offsets.has(key)) this.offsets.set(key, { offset, msgId: -1n });
    return Promise.resolve();
  }

  commit(group: string, infos: readonly OffsetInfo[]): Promise<void> {
    for (const info of infos) this.offsets.set(this.key(info.topic, group, info.partition), { offset: info.offset, msgId: info.msgId });
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
