import { Readable, addAbortSignal } from 'node:stream';
import { checkSignal, onAbort } from '../abort-signal.js';
import { defaultLogger, type Logger } from '../logger.js';
import { ClosedError, InvalidArgumentError } from '../errors.js';
import { MetaqError } from '../../common/errors.js';
import type { Partition, ReceivedMessage } from '../message.js';
import { partitionName } from '../message.js';
import type { MessageBatch } from './message-batch.js';
import { MemoryOffsetStorage } from '../offsets/memory-offset-storage.js';
import { ZkOffsetStorage } from '../offsets/zk-offset-storage.js';
import { checkNonNegativeInt, checkPositiveInt, checkTopic, partitionArgument } from '../validate.js';
import { checkConsumerOptions } from './consumer-options.js';
import type { ConsumerHost, ConsumerOptions, SubscribeOptions } from './consumer-options.js';
import { simpleReject, type Reject } from './reject-policy.js';
import { DuplicateCache } from './duplicate-cache.js';
import { Handoff } from './handoff.js';
import { messageIterator } from './message-iterator.js';
import { checkBatchable } from './batch-checks.js';
import { PartitionFetcher } from './partition-fetcher.js';
import { ConsumerOffsets } from './consumer-offsets.js';
import { movedPartitionOrigin } from './moved-partition-origin.js';
import { RecoveryManager } from '../recovery/recovery-manager.js';
import { ZkRouter } from '../zk-router.js';
import { GroupMembership } from './group-membership.js';
import { assignmentStrategy } from '../../coordination/rebalance/strategy.js';
import { retryTopicReject, retryTopicSettings, unwrapRetried, type RetryTopicSettings } from './retry-topics.js';

export type { ConsumerHost, ConsumerOptions, RebalanceListener, SubscribeOptions } from './consumer-options.js';

type Listener = (message: ReceivedMessage) => Promise<void> | void;
type Deliver = (message: ReceivedMessage) => Promise<void> | void;

/**
 * A consumer group member (docs/client.md, Consumer). Subscribe to topics, then consume with
 * `run(listener)`, `for await (const message of consumer)`, or `stream()`. Messages of a
 * partition are processed in order, one at a time; a message is done when the listener resolves
 * (or the iterator asks for the next). At-least-once: offsets are committed periodically and on
 * close, only for partitions that moved. One PartitionFetcher reads each partition; their
 * positions are committed through ConsumerOffsets.
 */
export class Consumer implements AsyncIterable<ReceivedMessage> {
  readonly group: string;
  private readonly offsets: ConsumerOffsets;
  private readonly subscriptions = new Map<string, Required<Pick<SubscribeOptions, 'maxSize'>> & SubscribeOptions>();
  private reject: Reject | undefined;
  /** Per partition (`topic/brokerId-index`): its fetcher, its own abort switch and its loop. */
  private readonly running = new Map<string, { fetcher: PartitionFetcher; controller: AbortController; loop: Promise<void> }>();
  private membership: GroupMembership | undefined;
  private readonly logger: Logger;
  private commitTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;
  private handoff: Handoff | undefined;
  /** The close under way, for an iterator ended by it (message-iterator.ts). */
  private closing: Promise<void> | undefined;
  private deliverTo: Deliver | undefined;
  private batchHandler: ((batch: MessageBatch) => Promise<void> | void) | undefined;
  private recovery: RecoveryManager | undefined;
  private readonly retrySettings: RetryTopicSettings | undefined;
  /** Forgets the abort signal consuming started with, once the consumer closed. */
  private forgetSignal: () => void = () => undefined;
  /** Round robin over the partitions of retry and dead-letter topics. */
  private writes = 0;

  constructor(
    private readonly host: ConsumerHost,
    private readonly options: ConsumerOptions,
  ) {
    this.group = checkConsumerOptions(options);
    if (options.retryTopics !== undefined) this.retrySettings = retryTopicSettings(options.retryTopics, this.group);
    this.logger = options.logger ?? defaultLogger();
    this.offsets = new ConsumerOffsets(
      options.offsetStorage ?? new MemoryOffsetStorage(),
      this.group,
      options.startFrom,
      options.alwaysFromNewest === true,
      this.logger,
    );
  }

  /** Register a topic before consuming; chainable. */
  subscribe(topic: string, options: SubscribeOptions = {}): this {
    checkTopic(topic, 'topic');
    if (this.started) throw new InvalidArgumentError('topic', `${topic}: subscribe before the consumer starts`);
    if (this.subscriptions.has(topic)) throw new InvalidArgumentError('topic', `${topic} is already subscribed by this consumer`);
    const maxSize = options.maxSize === undefined ? 1024 * 1024 : checkPositiveInt(options.maxSize, 'options.maxSize');
    options.partitions?.forEach((p, i) => checkNonNegativeInt(p, `options.partitions[${i}]`));
    this.subscriptions.set(topic, { ...options, maxSize });
    return this;
  }

  /**
   * Consume with a listener; `concurrency` bounds listener calls running at once across partitions.
   * Aborting `signal` closes the consumer as `close()` does; an aborted one rejects with its reason.
   */
  async run(listener: Listener, options: { concurrency?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (typeof listener !== 'function') throw new InvalidArgumentError('listener', 'must be a function');
    const limit = options.concurrency === undefined ? Infinity : checkPositiveInt(options.concurrency, 'options.concurrency');
    const signal = checkSignal(options.signal, 'options.signal');
    if (limit === Infinity) {
      await this.start(listener, signal);
      return;
    }
    let running = 0;
    const waiting: Array<() => void> = [];
    await this.start(async (message) => {
      while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      running += 1;
      try {
        await listener(message);
      } finally {
        running -= 1;
        waiting.shift()?.();
      }
    }, signal);
  }

  /**
   * Consume a batch at a time (kafkajs's eachBatch): the handler gets a MessageBatch, a checked
   * view of up to 128 KiB of one partition's records with no object per message, and the
   * partition moves past the batch when the handler returns. A handler that throws gets the
   * same batch again after a back-off, for ever: skip or park poison messages in the handler.
   * The batch and its views are valid until the handler returns; their bytes are reused then.
   * Subscription filters, `autoAck: false` and `onReject` do not apply and are refused.
   * Aborting `signal` closes the consumer as `close()` does.
   */
  async runBatches(handler: (batch: MessageBatch) => Promise<void> | void, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (typeof handler !== 'function') throw new InvalidArgumentError('handler', 'must be a function');
    const signal = checkSignal(options.signal, 'options.signal');
    checkBatchable(this.subscriptions, this.options);
    this.batchHandler = handler;
    await this.start(() => {
      throw new Error('runBatches delivers batches, not single messages');
    }, signal);
  }

  [Symbol.asyncIterator](): AsyncIterator<ReceivedMessage> {
    return this.messages();
  }

  /** `for await (const message of consumer.messages({ signal }))`: aborting `signal` closes the consumer as `close()` does and ends the loop. */
  messages(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ReceivedMessage> {
    const signal = checkSignal(options.signal, 'options.signal');
    const handoff = new Handoff();
    this.handoff = handoff;
    const starting = this.start((message) => handoff.deliver(message), signal);
    return messageIterator(
      handoff,
      starting,
      () => this.close(),
      () => this.closing ?? Promise.resolve(),
    );
  }

  /**
   * A Readable of messages with back-pressure: nothing is fetched that the reader did not ask for.
   * Aborting `signal` destroys it with an AbortError, which closes the consumer (Node's stream convention).
   */
  stream(options: { signal?: AbortSignal } = {}): Readable {
    const signal = checkSignal(options.signal, 'options.signal');
    const readable = Readable.from(this, { objectMode: true, highWaterMark: 1 });
    return signal === undefined ? readable : addAbortSignal(signal, readable);
  }

  /** Close when `signal` aborts (only while consuming: a close by other means forgets it). */
  private closeOnAbort(signal: AbortSignal | undefined): void {
    this.forgetSignal = onAbort(signal, () => this.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the consumer on abort failed')));
  }

  private async start(deliver: Deliver, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new ClosedError('consumer');
    if (this.started) throw new InvalidArgumentError('consumer', 'is already consuming; use one of run(), for await or stream()');
    if (this.subscriptions.size === 0) throw new InvalidArgumentError('consumer', 'has no subscriptions; call subscribe(topic) first');
    this.started = true;
    this.closeOnAbort(signal);
    this.deliverTo = deliver;
    const o = this.options;
    let reject: Reject | undefined;
    const retry = this.retrySettings;
    if (retry !== undefined) {
      // The group reads its retry topic too, and the listener sees each copy as the original.
      if (!this.subscriptions.has(retry.retryTopic)) this.subscriptions.set(retry.retryTopic, { maxSize: 1024 * 1024 });
      this.deliverTo = (message) => deliver(unwrapRetried(message, retry.retryTopic));
      reject = retryTopicReject(retry, this.host.producer(), (topic) => this.partitionToWrite(topic), this.logger);
    } else if (o.onReject === 'recover') {
      const recovery = new RecoveryManager(this.group, () => this.deliverTo, this.logger, o.recoverDir, o.recoverIntervalMs);
      this.recovery = recovery;
      await recovery.load(this.subscriptions.keys());
      reject = (message) => recovery.save(message);
    } else reject = simpleReject(o.onReject, this.logger);
    this.reject = reject;
    const router = this.host.router;
    const grouped = router instanceof ZkRouter && [...this.subscriptions.values()].every((s) => s.partitions === undefined);
    if (grouped) {
      // Cluster mode: the group decides who reads which partition (docs/cluster.md).
      if (o.offsetStorage === undefined) this.offsets.storage = new ZkOffsetStorage(await router.zkSession(), router.znodes.root);
      this.offsets.origin = movedPartitionOrigin(await router.zkSession(), router.znodes, this.group, this.logger, () => this.membership?.consumerId);
      this.membership = new GroupMembership(
        await router.zkSession(),
        router.znodes,
        this.group,
        [...this.subscriptions.keys()],
        (topic, partitions) => this.assignPartitions(topic, partitions),
        this.logger,
        o.rebalanceRetryMs ?? 5000,
        assignmentStrategy(o.loadBalanceStrategyType ?? 'DEFAULT'),
        o.consumerId,
      );
      await this.membership.join();
    } else {
      for (const topic of this.subscriptions.keys()) {
        for (const partition of await this.partitionsToRead(topic)) await this.addFetcher(topic, partition);
      }
    }
    // Closed while starting (an abort signal): no periodic commit after the final one.
    if (o.autoCommit === false || this.closed) return;
    this.commitTimer = setInterval(
      () => void this.commit().catch((error: unknown) => this.logger.warn({ err: error }, 'offset commit failed; will retry')),
      o.commitIntervalMs ?? 5_000,
    );
    this.commitTimer.unref();
  }

  /** A partition of a retry or dead-letter topic to write to: one the group reads, spread round robin. */
  private async partitionToWrite(topic: string): Promise<Partition> {
    const candidates = await this.partitionsToRead(topic);
    if (candidates.length === 0)
      throw new MetaqError('NO_PARTITIONS', `topic ${topic} has no partitions on any broker: configure it ([topic=${topic}] or [topic=*])`);
    this.writes = (this.writes + 1) % candidates.length;
    return candidates[this.writes]!;
  }

  /** The partitions to read: those subscribed by index, else every partition the router knows. */
  private async partitionsToRead(topic: string): Promise<Partition[]> {
    const known = await this.host.router.partitions(topic);
    const subscribed = this.subscriptions.get(topic)?.partitions;
    const direct = known.length === 1 && known[0]!.index === -1;
    if (subscribed !== undefined) return subscribed.map((index) => ({ brokerId: direct ? 0 : (known[0]?.brokerId ?? 0), index }));
    return direct ? [{ brokerId: 0, index: 0 }] : [...known];
  }

  /** Start fetching one partition from its stored (or initial) offset. */
  private async addFetcher(topic: string, partition: Partition): Promise<void> {
    const o = this.options;
    const subscription = this.subscriptions.get(topic)!;
    const fetcher = new PartitionFetcher(
      {
        topic,
        group: this.group,
        partition,
        maxSize: subscription.maxSize,
        fetchTimeoutMs: o.fetchTimeoutMs ?? 10_000,
        maxDelayFetchMs: o.maxDelayFetchMs ?? 5_000,
        fetchWaitMs: o.fetchWaitMs ?? 500,
        // With retry topics a failure goes to the retry topic at once: its back-off is the retry.
        maxFetchRetries: o.maxFetchRetries ?? (this.retrySettings === undefined ? 5 : 0),
        maxIncreaseFetchDataRetries: o.maxIncreaseFetchDataRetries ?? 5,
        filter: subscription.filter,
        manualAck: o.autoAck === false,
        deliver: this.deliverTo!,
        deliverBatch: this.batchHandler,
        reject: this.reject,
        duplicates: new DuplicateCache(o.duplicateCacheSize ?? 4096),
        logger: this.logger,
      },
      async () => this.host.connection(await this.host.router.readBroker(partition)),
      await this.offsets.start(topic, partition),
    );
    const controller = new AbortController();
    if (this.closed) controller.abort(); // a rebalance finishing during close starts nothing
    const loop = fetcher.run(controller.signal);
    this.running.set(`${topic}/${partitionName(partition)}`, { fetcher, controller, loop });
  }

  /** The partitions being fetched now. */
  private fetchers(): PartitionFetcher[] {
    return [...this.running.values()].map((entry) => entry.fetcher);
  }

  /**
   * Stop every listed fetcher at once, then commit where they got to. A failed commit (ZooKeeper
   * unreachable, say) is logged, not thrown: the next owner re-reads from the last commit.
   */
  private async removeFetchers(topic: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const entries = keys.flatMap((key) => this.running.get(key) ?? []);
    for (const entry of entries) entry.controller.abort();
    await Promise.all(entries.map((entry) => entry.loop.catch(() => undefined)));
    for (const key of keys) this.running.delete(key);
    this.options.rebalanceListener?.onPartitionsRevoked?.(
      topic,
      keys.map((key) => key.slice(topic.length + 1)),
    );
    if (this.options.autoCommit === false) return;
    await this.offsets.commitReleased(entries.map((entry) => entry.fetcher));
  }

  /** Fetch exactly these partitions of a topic (`"brokerId-index"`), as the group assigned them. */
  private async assignPartitions(topic: string, partitions: string[]): Promise<void> {
    const listener = this.options.rebalanceListener;
    const wanted = new Set(partitions.map((p) => `${topic}/${p}`));
    const revoked = [...this.running.keys()].filter((key) => key.startsWith(`${topic}/`) && !wanted.has(key));
    await this.removeFetchers(topic, revoked);
    const added = partitions.filter((p) => !this.running.has(`${topic}/${p}`));
    if (added.length === 0 || this.closed) return;
    await this.host.router.partitions(topic); // learn broker addresses
    listener?.onPartitionsAssigned?.(topic, added);
    for (const name of added) {
      if (this.closed) break;
      const [brokerId, index] = name.split('-').map(Number) as [number, number];
      await this.addFetcher(topic, { brokerId, index });
    }
  }

  /** Partitions this member owns in its group (cluster mode), per topic. */
  ownership(): Map<string, string[]> | undefined {
    return this.membership?.ownership();
  }

  /** Save the position of every partition that moved since the last commit. */
  async commit(): Promise<void> {
    await this.offsets.commit(this.fetchers());
  }

  private fetcherOf(message: ReceivedMessage, operation: string): PartitionFetcher {
    if (this.options.autoAck !== false) throw new InvalidArgumentError(operation, 'needs a consumer created with autoAck: false');
    const fetcher = this.fetchers().find((f) => f.topicName === message?.topic && f.partitionRef.index === message.partition?.index);
    if (fetcher === undefined) throw new InvalidArgumentError('message', `is not from a partition this consumer reads (${message?.topic})`);
    return fetcher;
  }

  /** Manual ack: this message and every earlier one of its partition are done; committed with the next commit. */
  ack(message: ReceivedMessage): void {
    this.fetcherOf(message, 'ack').position.ack(message);
  }

  /** Manual rollback: everything of this partition since the last ack is fetched and delivered again. */
  rollback(message: ReceivedMessage): void {
    this.fetcherOf(message, 'rollback').position.rollback();
  }

  /** Local recovery: messages waiting on disk per topic, and a redelivery round now. */
  get recoveryStore(): { pending(): Promise<Map<string, number>>; redeliver(): Promise<void> } | undefined {
    return this.recovery;
  }

  /**
   * Move a partition this consumer reads to an offset, or to the first message appended at or
   * after a time (Kafka's seek and offsetsForTimes; `otime` on a metaq broker). A partition not
   * being read yet starts there when it is. Resolves with the offset; the move is committed with
   * the next commit, so the group resumes there after a restart.
   */
  async seek(topic: string, partition: number | Partition, position: number | Date): Promise<number> {
    checkTopic(topic, 'topic');
    const target: Partition = partitionArgument(partition, 'partition');
    const offset = position instanceof Date ? await this.host.offsetForTime(topic, target, position) : checkNonNegativeInt(position, 'position');
    const running = [...this.running.values()].find(
      ({ fetcher }) =>
        fetcher.topicName === topic &&
        fetcher.partitionRef.index === target.index &&
        (typeof partition === 'number' || fetcher.partitionRef.brokerId === target.brokerId),
    );
    if (running !== undefined) running.fetcher.position.seek(offset);
    else this.offsets.seekWhenStarted(topic, target.index, offset);
    return offset;
  }

  /** Current position per partition (`topic/brokerId-index` → offset). */
  positions(): Map<string, number> {
    return new Map(this.fetchers().map((f) => [`${f.topicName}/${partitionName(f.partitionRef)}`, f.position.offset]));
  }

  /** Stop fetching, let the messages in progress finish, commit offsets, close the storage. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve(); // a listener's own close must not wait for itself
    this.closed = true;
    return (this.closing = this.finishClose());
  }

  private async finishClose(): Promise<void> {
    this.forgetSignal();
    this.handoff?.end();
    await this.membership?.leave().catch((error: unknown) => this.logger.warn({ err: error }, 'could not leave the group cleanly'));
    for (const entry of this.running.values()) entry.controller.abort();
    if (this.commitTimer) clearInterval(this.commitTimer);
    await Promise.allSettled([...this.running.values()].map((entry) => entry.loop));
    if (this.options.autoCommit !== false) await this.commit().catch((error: unknown) => this.logger.warn({ err: error }, 'final offset commit failed'));
    await this.recovery?.close();
    await this.offsets.close();
  }
}
