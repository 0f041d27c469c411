import type { Partition } from './message.js';
import type { BrokerAddress } from './transport/broker-address.js';

/**
 * Where a topic's partitions live. Direct mode (docs/client.md) knows one broker; cluster mode (the
 * ZooKeeper issue) implements the same interface from `topics-pub`, so user code is unchanged.
 */
export interface PartitionRouter {
  partitions(topic: string): Promise<readonly Partition[]>;
  /** The partitions if already known, without waiting (the send hot path). */
  knownPartitions(topic: string): readonly Partition[] | undefined;
  broker(partition: Partition): BrokerAddress;
  /** Where consumers read a partition now: its master, or a slave while the master is gone (docs/client.md). */
  readBroker(partition: Partition): Promise<BrokerAddress>;
  /** Every broker this router knows of (for `stats`). */
  allBrokers(): Promise<BrokerAddress[]>;
  /** Drop a learned partition count the broker has just contradicted (producer/stale-partitions.ts); cluster mode's comes from ZooKeeper's watches. */
  forget?(topic: string): void;
  close(): Promise<void>;
}

/** The special "broker picks" partition of direct mode (`-1--1` in MetaQ's string form). */
export const ANY_PARTITION: Partition = { brokerId: -1, index: -1 };

/** How long a partition count learned from the broker is used before it is asked again (a topic's numPartitions can grow). */
export const PARTITION_COUNT_TTL_MS = 60_000;

/**
 * How long a send waits for the broker to say how many partitions a topic has before the broker
 * picks instead: a healthy broker answers in milliseconds, and a broker that cannot answer (down,
 * refusing the login, silent) then fails the put itself, with the put's own error and timeout.
 */
export const PARTITION_COUNT_WAIT_MS = 1_000;

/**
 * Direct mode: one broker. A topic's partitions come from `ClientOptions.partitions` if configured,
 * else from `ask` (the broker's `stats <topic>`, topic-partition-count.ts), cached for `ttlMs`.
 * Without `ask` (an http:// broker) or when asking fails, producers send with partition -1 (the
 * broker picks, as MetaQ's direct mode does).
 */
export class DirectRouter implements PartitionRouter {
  constructor(
    private readonly address: BrokerAddress,
    private readonly partitionCounts: Readonly<Record<string, number>> = {},
    private readonly ask?: (topic: string) => Promise<number>,
    private readonly ttlMs = PARTITION_COUNT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly cache = new Map<string, { partitions: readonly Partition[]; learnedAtMs: number }>();
  private readonly asking = new Map<string, Promise<readonly Partition[]>>();
  private readonly configuredPartitions = new Map<string, readonly Partition[]>();

  partitions(topic: string): Promise<readonly Partition[]> {
    const configured = this.configured(topic);
    if (configured !== undefined) return Promise.resolve(configured);
    const cached = this.cache.get(topic);
    if (cached !== undefined && this.now() - cached.learnedAtMs < this.ttlMs) return Promise.resolve(cached.partitions);
    return this.learn(topic);
  }

  knownPartitions(topic: string): readonly Partition[] | undefined {
    const configured = this.configured(topic);
    if (configured !== undefined) return configured;
    if (this.ask === undefined) return [ANY_PARTITION];
    const cached = this.cache.get(topic);
    // A stale count still serves the hot path while the broker is asked again.
    if (cached !== undefined && this.now() - cached.learnedAtMs >= this.ttlMs) void this.learn(topic).catch(() => undefined);
    return cached?.partitions;
  }

  /** Drop what was learned of `topic` (say after a "wrong partition" refusal): the next lookup asks the broker. */
  forget(topic: string): void {
    this.cache.delete(topic);
  }

  /** The configured partitions, made once per topic: every send asks, and sets are kept per partition object. */
  private configured(topic: string): readonly Partition[] | undefined {
    const count = this.partitionCounts[topic];
    if (count === undefined) return undefined;
    let partitions = this.configuredPartitions.get(topic);
    if (partitions === undefined) this.configuredPartitions.set(topic, (partitions = indexesUpTo(count)));
    return partitions;
  }

  private learn(topic: string): Promise<readonly Partition[]> {
    const ask = this.ask;
    if (ask === undefined) return Promise.resolve([ANY_PARTITION]);
    let pending = this.asking.get(topic);
    if (pending === undefined) {
      pending = new Promise<readonly Partition[]>((resolve) => {
        // Not learned in time (no answer yet, or a broker that refuses stats): the last count, else the broker picks.
        const unknown = (): void => resolve(this.cache.get(topic)?.partitions ?? [ANY_PARTITION]);
        const waited = setTimeout(unknown, PARTITION_COUNT_WAIT_MS);
        // Sends meanwhile share this answer (after the wait, without waiting) until the ask ends.
        const asked = (): void => {
          clearTimeout(waited);
          this.asking.delete(topic);
        };
        ask(topic).then(
          (count) => {
            asked();
            const partitions = indexesUpTo(count);
            this.cache.set(topic, { partitions, learnedAtMs: this.now() });
            resolve(partitions);
          },
          () => {
            asked();
            unknown();
          },
        );
      });
      this.asking.set(topic, pending);
    }
    return pending;
  }

  broker(): BrokerAddress {
    return this.address;
  }

  readBroker(): Promise<BrokerAddress> {
    return Promise.resolve(this.address);
  }

  allBrokers(): Promise<BrokerAddress[]> {
    return Promise.resolve([this.address]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Partitions 0 … count-1 of the one direct-mode broker (broker id 0). */
function indexesUpTo(count: number): readonly Partition[] {
  return Array.from({ length: count }, (_, index) => ({ brokerId: 0, index }));
}
