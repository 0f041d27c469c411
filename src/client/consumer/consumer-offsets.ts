import type { Logger } from '../logger.js';
import { commitTracing, traced } from '../diagnostics.js';
import type { Partition } from '../message.js';
import type { OffsetInfo, OffsetStorage } from '../offsets/offset-storage.js';
import type { PartitionFetcher } from './partition-fetcher.js';
import type { PartitionOrigin } from './moved-partition-origin.js';
import { NEWEST } from './partition-position.js';

/** What a partition's commit saves. */
function offsetInfo(f: PartitionFetcher): OffsetInfo {
  return { topic: f.topicName, partition: f.partitionRef, offset: f.position.committableOffset, msgId: f.position.lastMsgId };
}

/**
 * A consumer's offsets in its storage: where a partition starts (a pending seek, the stored
 * offset, or `startFrom`), and commits of the partitions that moved since the last one.
 */
export class ConsumerOffsets {
  /** Seeks of partitions not yet being read (`topic/index` → offset), applied when they start. */
  private readonly seeks = new Map<string, number>();
  /** In cluster mode: the partition a moved one came from, once its old owner let go. */
  origin: PartitionOrigin | undefined;
  /** The commits in flight, one after another: a later one never lands before an earlier one. */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    /** Replaced by ZooKeeper's in cluster mode when the user gave none. */
    public storage: OffsetStorage,
    private readonly group: string,
    private readonly startFrom: number | 'newest' | undefined,
    private readonly alwaysFromNewest: boolean,
    private readonly logger: Logger,
  ) {}

  /** A partition not being read yet starts at `offset` when it does. */
  seekWhenStarted(topic: string, index: number, offset: number): void {
    this.seeks.set(`${topic}/${index}`, offset);
  }

  /** Where reading a partition starts: a pending seek, else the stored offset, else `startFrom` (stored as the initial one). */
  async start(topic: string, partition: Partition): Promise<number> {
    const sought = this.seeks.get(`${topic}/${partition.index}`);
    if (sought !== undefined) {
      this.seeks.delete(`${topic}/${partition.index}`);
      return sought;
    }
    const initial = this.startFrom === 'newest' ? NEWEST : (this.startFrom ?? 0);
    if (this.alwaysFromNewest) return NEWEST;
    const stored = await this.storage.load(topic, this.group, partition);
    const origin = await this.origin?.(topic, partition);
    const carried = origin === undefined ? undefined : await this.storage.load(topic, this.group, origin);
    // The copy has the old partition's bytes at the same offsets: the later position of the two is where the group got to.
    if (carried !== undefined && carried.offset > (stored?.offset ?? -1)) return carried.offset;
    if (stored !== undefined) return stored.offset;
    if (initial !== NEWEST) await this.storage.initOffset(topic, this.group, partition, initial);
    return initial;
  }

  /** Save the position of every partition that moved since the last commit, together; a failed commit leaves them to the next. */
  async commit(fetchers: readonly PartitionFetcher[]): Promise<void> {
    const changed = fetchers.filter((f) => f.position.movedSinceCommit);
    if (changed.length === 0) return;
    const infos = changed.map(offsetInfo);
    for (const f of changed) f.position.dirty = false;
    try {
      await this.store(infos);
    } catch (error) {
      for (const f of changed) f.position.dirty = true;
      throw error;
    }
  }

  /**
   * Commit where released partitions got to, one by one. A failed commit (ZooKeeper
   * unreachable, say) is logged, not thrown: the next owner re-reads from the last commit.
   * A periodic commit in flight lands first: it cleared the partitions' dirty marks, and its
   * write arriving after the owner node is given up would leave the next owner an older offset.
   */
  async commitReleased(fetchers: readonly PartitionFetcher[]): Promise<void> {
    await this.inFlight;
    for (const f of fetchers) {
      if (!f.position.movedSinceCommit) continue;
      try {
        await this.store([offsetInfo(f)]);
        f.position.dirty = false;
      } catch (error) {
        this.logger.warn(
          { err: error, topic: f.topicName, partition: f.partitionRef },
          'could not commit a released partition; its next owner will re-read from the previous commit',
        );
      }
    }
  }

  /** Commit to the storage after the commits in flight, traced on `metaq:client:commit` while it has subscribers. */
  private store(infos: OffsetInfo[]): Promise<void> {
    const write = (): Promise<void> => {
      if (!commitTracing.hasSubscribers) return this.storage.commit(this.group, infos);
      const offsets = infos.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
      return traced(commitTracing, { group: this.group, offsets }, () => this.storage.commit(this.group, infos));
    };
    const stored = this.inFlight.then(write);
    this.inFlight = stored.catch(() => undefined);
    return stored;
  }

  close(): Promise<void> {
    return this.storage.close();
  }
}
