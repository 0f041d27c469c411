import type { Logger } from '../logger.js';
import { InvalidArgumentError } from '../errors.js';
import type { Partition, ReceivedMessage } from '../message.js';
import type { OffsetStorage } from '../offsets/offset-storage.js';
import type { PartitionRouter } from '../partition-router.js';
import type { Producer, ProducerOptions } from '../producer/producer.js';
import type { BrokerAddress } from '../transport/broker-address.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import { checkGroup, checkNonNegativeInt, checkPositiveInt } from '../validate.js';
import type { LoadBalanceStrategyType } from '../../coordination/rebalance/strategy.js';
import type { RetryTopicOptions } from './retry-topics.js';

export interface ConsumerOptions {
  group: string;
  /** Default: ZooKeeper in cluster mode (MetaQ's ZkOffsetStorage), memory in direct mode (MetaQ's direct mode keeps none either). */
  offsetStorage?: OffsetStorage;
  /** Where a partition the group has never consumed starts: a byte offset, or the newest message. */
  startFrom?: number | 'newest';
  /** Start every run at the newest message, ignoring stored offsets. */
  alwaysFromNewest?: boolean;
  fetchTimeoutMs?: number;
  maxDelayFetchMs?: number;
  /**
   * How long a broker that offers the waiting get (metaq brokers do) may hold a fetch at the end
   * of the log until new messages are visible (Kafka's fetch.max.wait.ms); 0 polls as MetaQ
   * consumers do. Default 500 ms, at most 30 s.
   */
  fetchWaitMs?: number;
  commitIntervalMs?: number;
  /** Commit offsets periodically and on close (default). Turn off when the listener commits them itself, as transactional consume does. */
  autoCommit?: boolean;
  maxFetchRetries?: number;
  maxIncreaseFetchDataRetries?: number;
  /**
   * What happens to a message that failed more than maxFetchRetries times: `'recover'` keeps it
   * on disk and redelivers it to the listener every `recoverIntervalMs` (MetaQ's default; docs/client.md, Consumer),
   * `'drop'` logs and skips it (MetaQ's DropPolicy), a function decides (then it is skipped), and
   * `'retry'` (the default) retries it forever.
   */
  onReject?: 'recover' | 'retry' | 'drop' | ((message: ReceivedMessage, error: unknown) => Promise<void> | void);
  /**
   * Send a message whose listener failed (after `maxFetchRetries` immediate retries, default 0
   * here) to the group's retry topic, redelivered after a growing back-off, and after
   * `maxAttempts` deliveries to the group's dead-letter topic (`metaq dlq list|replay`). Not with
   * `onReject`, `autoAck: false` or `runBatches`; needs a metaq broker.
   */
  retryTopics?: RetryTopicOptions | true;
  /** Local recovery: where failed messages are kept (default ~/.meta_recover) and how often they are retried. */
  recoverDir?: string;
  recoverIntervalMs?: number;
  duplicateCacheSize?: number;
  /** Cluster mode: this member's id within the group (default `<host>-<pid>-<uuid>`). */
  consumerId?: string;
  /** Cluster mode: wait between rebalance attempts when a partition is still owned (MetaQ: zkSyncTimeMs, 5 s). */
  rebalanceRetryMs?: number;
  /** Cluster mode: `'DEFAULT'` (contiguous slices in Java string order, MetaQ's default) or `'CONSIST'` (consistent hashing, fewer moves when members change). Every member of a group must use the same. */
  loadBalanceStrategyType?: LoadBalanceStrategyType;
  /**
   * Cluster mode: told when this member stops reading partitions (after their fetchers stopped,
   * before their offsets are committed and the owner nodes released) and when it starts reading
   * them (after taking the owner nodes, before the first fetch). Partitions are `"<brokerId>-<index>"`.
   */
  rebalanceListener?: RebalanceListener;
  /** false: positions advance only when you call `ack(message)`; `rollback(message)` refetches. */
  autoAck?: boolean;
  logger?: Logger;
}

export interface RebalanceListener {
  onPartitionsRevoked?(topic: string, partitions: string[]): void;
  onPartitionsAssigned?(topic: string, partitions: string[]): void;
}

export interface SubscribeOptions {
  /** Largest fetch in bytes (MetaQ's subscription maxSize). */
  maxSize?: number;
  /** Partitions to read in direct mode; default: all configured, or [0]. */
  partitions?: number[];
  filter?: (message: ReceivedMessage) => boolean;
}

export interface ConsumerHost {
  router: PartitionRouter;
  connection(address: BrokerAddress): BrokerTransport;
  /** A producer closed with the client (retry topics send through one). */
  producer(options?: ProducerOptions): Producer;
  /** The offset of the first message appended at or after a time (`otime`). */
  offsetForTime(topic: string, partition: Partition, time: Date): Promise<number>;
}

/** Check a consumer's options; returns its group. */
export function checkConsumerOptions(options: ConsumerOptions): string {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object with a group');
  const group = checkGroup(options.group, 'options.group');
  if (group.includes('.'))
    throw new InvalidArgumentError(
      'options.group',
      `must not contain "." in a consumer: its retry and dead-letter topics are retry.<group> and dlq.<group> (got ${group})`,
    );
  if (options.onReject !== undefined && !['recover', 'retry', 'drop'].includes(options.onReject as string) && typeof options.onReject !== 'function') {
    throw new InvalidArgumentError('options.onReject', `must be 'recover', 'retry', 'drop' or a function, got ${String(options.onReject)}`);
  }
  if (options.loadBalanceStrategyType !== undefined && !['DEFAULT', 'CONSIST'].includes(options.loadBalanceStrategyType)) {
    throw new InvalidArgumentError('options.loadBalanceStrategyType', `must be 'DEFAULT' or 'CONSIST', got ${String(options.loadBalanceStrategyType)}`);
  }
  for (const key of ['fetchTimeoutMs', 'maxDelayFetchMs', 'commitIntervalMs', 'recoverIntervalMs'] as const)
    if (options[key] !== undefined) checkPositiveInt(options[key], `options.${key}`);
  if (options.fetchWaitMs !== undefined) checkNonNegativeInt(options.fetchWaitMs, 'options.fetchWaitMs');
  for (const key of ['maxFetchRetries', 'maxIncreaseFetchDataRetries', 'duplicateCacheSize'] as const)
    if (options[key] !== undefined) checkNonNegativeInt(options[key], `options.${key}`);
  if (options.startFrom !== undefined && options.startFrom !== 'newest') checkNonNegativeInt(options.startFrom, 'options.startFrom');
  if (options.retryTopics !== undefined) {
    if (options.onReject !== undefined)
      throw new InvalidArgumentError(
        'options.retryTopics',
        `and onReject both decide what happens to a failing message; choose one (onReject is ${String(options.onReject)})`,
      );
    if (options.autoAck === false)
      throw new InvalidArgumentError('options.retryTopics', 'needs autoAck: a failed message is handed to the retry topic and passed over');
  }
  return group;
}
