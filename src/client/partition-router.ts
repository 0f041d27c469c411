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
  close(): Promise<void>;
}

/** The special "broker picks" partition of direct mode (`-1--1` in MetaQ's string form). */
export const ANY_PARTITION: Partition = { brokerId: -1, index: -1 };

/**
 * Direct mode: one broker. Producers send with partition -1 (the broker picks, as MetaQ's direct
 * mode does) unless the topic's partition count is configured, which key selectors need.
 */
export class DirectRouter implements PartitionRouter {
  constructor(
    private readonly address: BrokerAddress,
    private readonly partitionCounts: Readonly<Record<string, number>> = {},
  ) {}

  private readonly cache = new Map<string, readonly Partition[]>();

  partitions(topic: string): Promise<readonly Partition[]> {
    return Promise.resolve(this.knownPartitions(topic));
  }

  knownPartitions(topic: string): readonly Partition[] {
    let partitions = this.cache.get(topic);
    if (partitions === undefined) {
      const count = this.partitionCounts[topic];
      partitions = count === undefined ? [ANY_PARTITION] : Array.from({ length: count }, (_, index) => ({ brokerId: 0, index }));
      this.cache.set(topic, partitions);
    }
    return partitions;
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
