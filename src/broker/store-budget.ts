import { MetaqError } from '../common/errors.js';

/** Why a put cannot be given a store; the handler turns it into MetaQ's reply text. */
export class StoreRefusal extends MetaqError {}

export interface StoreLimits {
  /** Topics one broker may hold (0: no limit). */
  maxTopics: number;
  /** Partitions one broker may hold, all topics together (0: no limit). */
  maxPartitions: number;
}

/**
 * How many topics and partitions this broker holds, against `[system] maxTopics` and
 * `maxPartitions`. Every store costs memory, a flush timer and descriptors while its files are
 * open, so a client that creates topics without end would otherwise take the broker down
 * (start-up, shutdown and /metrics all grow with it). A store is counted from the moment its
 * creation starts, so concurrent first puts cannot overshoot the limit together.
 */
export class StoreBudget {
  /** Partitions per topic, stores being opened included. */
  private readonly partitionsByTopic = new Map<string, Set<number>>();
  private partitionCount = 0;
  /** Puts refused because they would have created a store past a limit. */
  refusals = { topics: 0, partitions: 0 };
  /** Replica stores created past a limit (a slave follows its master; see `reserveReplica`). */
  replicaOverruns = 0;

  constructor(private readonly limits: StoreLimits) {}

  get topics(): number {
    return this.partitionsByTopic.size;
  }

  get partitions(): number {
    return this.partitionCount;
  }

  /** Throw StoreRefusal unless a new store for this partition fits the limits. */
  check(topic: string, partition: number): void {
    const { maxTopics, maxPartitions } = this.limits;
    const newTopic = !this.partitionsByTopic.has(topic);
    if (newTopic && maxTopics > 0 && this.topics >= maxTopics) {
      this.refusals.topics += 1;
      throw new StoreRefusal(
        'TOO_MANY_TOPICS',
        `too many topics: this broker holds ${this.topics} topics, its limit (maxTopics=${maxTopics}), so topic ${topic} is not created; write to an existing topic, remove unused ones, or raise [system] maxTopics`,
      );
    }
    if (maxPartitions > 0 && this.partitionCount >= maxPartitions) {
      this.refusals.partitions += 1;
      throw new StoreRefusal(
        'TOO_MANY_PARTITIONS',
        `too many partitions: this broker holds ${this.partitionCount} partitions, its limit (maxPartitions=${maxPartitions}), so partition ${topic}-${partition} is not created; write to an existing partition, remove unused topics, or raise [system] maxPartitions`,
      );
    }
  }

  /** Whether a store for this partition would go past a limit (for replicas, which are never refused). */
  wouldOverrun(topic: string): boolean {
    const { maxTopics, maxPartitions } = this.limits;
    return (maxTopics > 0 && !this.partitionsByTopic.has(topic) && this.topics >= maxTopics) || (maxPartitions > 0 && this.partitionCount >= maxPartitions);
  }

  /** Count a store (found on disk, created, or being created). */
  add(topic: string, partition: number): void {
    let partitions = this.partitionsByTopic.get(topic);
    if (partitions === undefined) this.partitionsByTopic.set(topic, (partitions = new Set<number>()));
    if (partitions.has(partition)) return;
    partitions.add(partition);
    this.partitionCount += 1;
  }

  /** Stop counting a store (its creation failed). */
  remove(topic: string, partition: number): void {
    const partitions = this.partitionsByTopic.get(topic);
    if (partitions?.delete(partition) !== true) return;
    this.partitionCount -= 1;
    if (partitions.size === 0) this.partitionsByTopic.delete(topic);
  }
}
