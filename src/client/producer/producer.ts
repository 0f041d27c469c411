import { hostname } from 'node:os';
import { promiseFor } from '../../common/settler.js';
import { IDEMPOTENT_PUT_EXTENSION, PUT_SET_EXTENSION } from '../../protocol/commands.js';
import { ClosedError, InvalidArgumentError } from '../errors.js';
import type { BatchSendResult, OutgoingMessage, Partition, SendResult } from '../message.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import { checkPositiveInt, checkTopic } from '../validate.js';
import { sendBatchAsSets } from './batch-sets.js';
import { sendContext, sendTracing, traced } from '../diagnostics.js';
import { BrokerFailover } from './broker-failover.js';
import { encodeBatch, encodePut } from './encode-put.js';
import { CallbackSend, PromisedSend } from './caller-sends.js';
import type { SendCallback } from './caller-sends.js';
import { checkIdempotence } from './check-idempotence.js';
import type { CountedSend } from './in-flight-sends.js';
import { InFlightSends } from './in-flight-sends.js';
import type { TransactionBinding } from './local-transaction.js';
import type { PartitionSelector } from './partition-selector.js';
import { roundRobinSelector } from './partition-selector.js';
import type { ProducerHost } from './producer-host.js';
import { batchingOf, idempotenceOf, NO_OPTIONS } from './producer-options.js';
import type { ProducerOptions, SendOptions } from './producer-options.js';
import { ProducerTransactions } from './producer-transactions.js';
import { PutSetBatcher } from './put-set-batcher.js';
import type { EncodedPut, SendListener } from './put-set-batcher.js';
import { deliveryTime, sendScheduled } from './scheduled-send.js';
import type { ScheduleOptions, ScheduleResult } from './scheduled-send.js';
import { sendAll } from './send-all.js';
import type { SendAllOptions } from './send-all.js';
import { putSingle } from './single-put.js';
import { partitionsOf } from './topic-partitions.js';
import { forgetStalePartitions } from './stale-partitions.js';

export type { ProducerOptions, SendOptions } from './producer-options.js';
export type { TransactionBinding } from './local-transaction.js';
export type { SendCallback } from './caller-sends.js';
export type { ProducerHost } from './producer-host.js';

let producerCount = 0;

/**
 * Sends messages (docs/client.md, Producer). Each send resolves with the partition, offset and
 * id the broker assigned, or rejects with a typed error: BrokerError for a refusal (status and
 * MetaQ's text), RequestTimeoutError or ConnectionError when the outcome is unknown. A send whose
 * outcome is unknown is never retried (MetaQ's MAX_RETRY is 1): retrying may store twice. A 503
 * refusal is different: the broker stored nothing (it is fenced or its handlers are saturated),
 * so a selector-chosen send tries once more on another broker, as Kafka's producer does on
 * NOT_LEADER.
 *
 * Every send follows one plan (`dispatch`): routed to a partition, then put one of three ways:
 * in the open transaction (`ProducerTransactions`), into its partition's set, or alone
 * (`setOrSingle` decides between these two); a 503 fails over as `BrokerFailover` says. Sends
 * are counted in flight from `dispatch` until their outcome is told (`CountedSend`), so
 * `close()` waits for every one.
 */
export class Producer {
  private readonly selector: PartitionSelector;
  private readonly sendTimeoutMs: number;
  private readonly failover: BrokerFailover;
  private readonly batcher: PutSetBatcher | undefined;
  private readonly transactions: ProducerTransactions;
  private readonly inFlight = new InFlightSends();
  private closed = false;
  /** Names this producer in transaction keys (`TX:<sessionId>:<n>`, docs/transactions.md). */
  readonly sessionId = `${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${++producerCount}`;

  constructor(
    private readonly host: ProducerHost,
    options: ProducerOptions = {},
  ) {
    this.selector = options.selector ?? roundRobinSelector();
    this.sendTimeoutMs = options.sendTimeoutMs === undefined ? 3000 : checkPositiveInt(options.sendTimeoutMs, 'sendTimeoutMs');
    const idempotence = idempotenceOf(options);
    const failover = idempotence === undefined && (options.failover ?? true);
    this.failover = new BrokerFailover(failover, this.selector, (partition, put, signal, listener) => this.putTo(partition, put, signal, listener));
    const batching = batchingOf(options);
    // A refused set tells the router once, not once per message in it.
    const refused = (topic: string, error: Error): void => forgetStalePartitions(host.router, topic, error);
    this.batcher = batching === undefined ? undefined : new PutSetBatcher(batching, idempotence, refused);
    this.transactions = new ProducerTransactions(host, this.selector, this.sessionId, this.sendTimeoutMs);
  }

  /** This producer's id in its idempotent sets (undefined unless `idempotent`). */
  get producerId(): string | undefined {
    return this.batcher?.idempotence?.producerId;
  }

  /**
   * MetaQ's `publish(topic)` (docs/cluster.md): find the topic's partitions and connect to their
   * brokers now, so the first send does not wait for discovery and the handshake. Optional here
   * (a send does the same on demand); idempotent.
   */
  async publish(topic: string): Promise<void> {
    if (this.closed) throw new ClosedError('producer');
    const partitions = await this.host.router.partitions(checkTopic(topic, 'topic'));
    const brokers = new Map(partitions.map((p) => [p.brokerId, this.host.router.broker(p)]));
    await Promise.all([...brokers.values()].map((address) => this.host.connection(address).extensions()));
  }

  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult> {
    if (!sendTracing.hasSubscribers) return this.sendUntraced(message, options);
    return traced(sendTracing, sendContext(message, options?.partition), () => this.sendUntraced(message, options));
  }

  private sendUntraced(message: OutgoingMessage, options: SendOptions | undefined): Promise<SendResult> {
    const send = new PromisedSend();
    const promise = promiseFor(send);
    this.dispatch(message, options ?? NO_OPTIONS, send);
    return promise;
  }

  /** Fire and forget; the callback (if any) learns the outcome. */
  sendNoWait(message: OutgoingMessage, callback?: SendCallback): void {
    this.dispatch(message, NO_OPTIONS, new CallbackSend(callback));
  }

  /**
   * Send a stream of messages with at most `inFlight` sends outstanding (pipelined on one
   * connection); `onResult` hears each outcome as it arrives. Resolves when every send settled.
   */
  sendAll(messages: Iterable<OutgoingMessage> | AsyncIterable<OutgoingMessage>, options: SendAllOptions = {}): Promise<{ sent: number; failed: number }> {
    return sendAll((message, send) => this.dispatch(message, NO_OPTIONS, send), messages, options);
  }

  /**
   * Every send starts here: checked, encoded and counted in flight, then routed. The common case
   * (no transaction, the topic's partitions and the broker's `mput` known) reaches the open set
   * in this turn, with no promise or closure of its own.
   */
  private dispatch(message: OutgoingMessage, options: SendOptions, send: CountedSend): void {
    let put: EncodedPut;
    let partitions: readonly Partition[] | Promise<readonly Partition[]>;
    try {
      if (this.closed) throw new ClosedError('producer');
      put = encodePut(message, options.timeoutMs === undefined ? this.sendTimeoutMs : checkPositiveInt(options.timeoutMs, 'timeoutMs'));
      send.countIn(this.inFlight);
      partitions = partitionsOf(this.host.router, put.topic, 'message.topic');
    } catch (error) {
      send.done(error as Error);
      return;
    }
    if (!(partitions instanceof Promise)) this.route(message, options, put, partitions, send);
    else {
      const encoded = put;
      partitions.then(
        (found) => this.route(message, options, encoded, found, send),
        (error: Error) => send.done(error),
      );
    }
  }

  /**
   * The send plan: route to a partition, then put in the open transaction, or (outside one)
   * into the partition's set or alone. `send` hears the outcome once; nothing here throws.
   */
  private route(message: OutgoingMessage, options: SendOptions, put: EncodedPut, partitions: readonly Partition[], send: SendListener): void {
    try {
      const tx = this.transactions.active;
      if (tx !== undefined) {
        this.transactions.put(tx, partitions, message, options, put).then(
          (result) => send.done(undefined, result),
          (error: Error) => {
            forgetStalePartitions(this.host.router, put.topic, error);
            send.done(error);
          },
        );
        return;
      }
      const chosen = options.partition ?? this.selector(put.topic, partitions, message);
      this.putTo(chosen, put, options.signal, this.failover.listenerFor(message, options, put, partitions, chosen, send));
    } catch (error) {
      send.done(error as Error);
    }
  }

  /**
   * How a send outside a transaction is put: into its partition's set where this producer
   * batches, the send has no abort signal and the broker offers `mput`; else alone. Undefined
   * while that depends on extensions not known yet. The one place this is decided.
   */
  private setOrSingle(signal: AbortSignal | undefined, offered: ReadonlySet<string> | undefined): 'set' | 'single' | undefined {
    if (this.batcher === undefined || signal !== undefined) return 'single';
    if (offered === undefined) return undefined;
    return offered.has(PUT_SET_EXTENSION) ? 'set' : 'single';
  }

  /** Put outside a transaction, as `setOrSingle` says once the broker's extensions are known (and checked, for an idempotent producer). */
  private putTo(partition: Partition, put: EncodedPut, signal: AbortSignal | undefined, listener: SendListener): void {
    const connection = this.host.connection(this.host.router.broker(partition));
    const offered = connection.knownExtensions;
    const idempotence = this.batcher?.idempotence;
    const ready = idempotence === undefined || (offered !== undefined && partition.index >= 0 && offered.has(IDEMPOTENT_PUT_EXTENSION));
    const way = ready ? this.setOrSingle(signal, offered) : undefined;
    if (way !== undefined) this.putAs(way, connection, partition, put, signal, listener);
    else {
      this.extensionsFor(connection, partition).then(
        (found) => this.putAs(this.setOrSingle(signal, found)!, connection, partition, put, signal, listener),
        (error: Error) => listener.done(error),
      );
    }
  }

  private putAs(
    way: 'set' | 'single',
    connection: BrokerTransport,
    partition: Partition,
    put: EncodedPut,
    signal: AbortSignal | undefined,
    listener: SendListener,
  ): void {
    if (way === 'set') this.batcher!.add(connection, partition, put, listener);
    else {
      putSingle(connection, partition, put, signal, undefined).then(
        (result) => listener.done(undefined, result),
        (error: Error) => {
          forgetStalePartitions(this.host.router, put.topic, error);
          listener.done(error);
        },
      );
    }
  }

  /** The broker's extensions, checked for an idempotent send. */
  private async extensionsFor(connection: BrokerTransport, partition: Partition): Promise<ReadonlySet<string>> {
    if (this.batcher?.idempotence !== undefined) await checkIdempotence(connection, partition);
    return connection.knownExtensions ?? (await connection.extensions());
  }

  /**
   * Start a local transaction (docs/transactions.md): every send until `commit()` or
   * `rollback()` goes into it, to one broker, and becomes visible to consumers only at commit,
   * all together. One at a time per producer (MetaQ binds it to a thread; use one producer per
   * concurrent transaction). The broker rolls it back if it is not committed within
   * `timeoutSeconds` (capped by the broker's maxTxTimeoutInSeconds, which is also the default)
   * or the connection drops.
   */
  beginTransaction(options: { timeoutSeconds?: number } = {}): void {
    if (this.closed) throw new ClosedError('producer');
    this.transactions.beginLocal(options);
  }

  get inTransaction(): boolean {
    return this.transactions.active !== undefined;
  }

  /** Make the local transaction's messages visible, all together. Rejects with TransactionStateUnknownError when no answer came. */
  commit(): Promise<void> {
    return this.transactions.endLocal('COMMIT_ONE_PHASE');
  }

  /** Drop the local transaction's messages. */
  rollback(): Promise<void> {
    return this.transactions.endLocal('ROLLBACK');
  }

  /** Route sends into an XA branch (XaProducer). */
  bindTransaction(binding: TransactionBinding): void {
    if (this.closed) throw new ClosedError('producer');
    this.transactions.bind(binding);
  }

  unbindTransaction(binding: TransactionBinding): void {
    this.transactions.unbind(binding);
  }

  /**
   * Send messages of one topic as one batch to one partition (RocketMQ's batch send): stored
   * contiguously in their order, with increasing ids (consecutive within each set), at the cost
   * of one record each and no per-message bookkeeping in the client. The partition is
   * `options.partition` or the selector's choice for the first message. A batch over
   * `batching.maxBatchBytes` goes as several sets back to back on one connection; if one fails
   * the batch rejects, and sets before it may be stored. A MetaQ broker, a transaction or
   * `batching: false` get one put per message, in order, to the same partition.
   */
  async sendBatch(messages: readonly OutgoingMessage[], options: Omit<SendOptions, 'signal'> = {}): Promise<BatchSendResult> {
    if (this.closed) throw new ClosedError('producer');
    if (!(messages instanceof Array) || messages.length === 0) throw new InvalidArgumentError('messages', 'must be a non-empty array of messages of one topic');
    const timeoutMs = options.timeoutMs === undefined ? this.sendTimeoutMs : checkPositiveInt(options.timeoutMs, 'timeoutMs');
    const puts = encodeBatch(messages, timeoutMs);
    return this.inFlight.during(() => this.putBatch(messages, puts, options.partition, timeoutMs));
  }

  private async putBatch(
    messages: readonly OutgoingMessage[],
    puts: readonly EncodedPut[],
    partition: Partition | undefined,
    timeoutMs: number,
  ): Promise<BatchSendResult> {
    const topic = puts[0]!.topic;
    const found = partitionsOf(this.host.router, topic, 'messages[0].topic');
    const partitions = found instanceof Promise ? await found : found;
    const chosen = partition ?? this.selector(topic, partitions, messages[0]!);
    const connection = this.host.connection(this.host.router.broker(chosen));
    if (this.batcher?.idempotence !== undefined && this.transactions.active === undefined) await checkIdempotence(connection, chosen);
    const offered = connection.knownExtensions ?? (await connection.extensions());
    const batcher = this.batcher;
    if (batcher === undefined || this.transactions.active !== undefined || this.setOrSingle(undefined, offered) !== 'set') {
      // Pipelined puts on one connection are stored in the order they were sent.
      const results = await Promise.all(messages.map((message) => this.send(message, { partition: chosen, timeoutMs })));
      return { ...results[0]!, count: results.length, sets: [] };
    }
    return sendBatchAsSets(batcher, connection, chosen, puts, timeoutMs).catch((error: unknown) => {
      forgetStalePartitions(this.host.router, topic, error);
      throw error;
    });
  }

  /**
   * Deliver a message later (RocketMQ's timer messages): `{ delayMs }` from now or `{ at }` a
   * time. The broker keeps it in its schedule (durable as a put, across restarts) and appends it
   * to the partition when due, with an id and offset given then; consumers see it only from
   * then. Resolves once it is scheduled, with the partition and the delivery time.
   */
  async schedule(message: OutgoingMessage, options: ScheduleOptions): Promise<ScheduleResult> {
    if (this.closed) throw new ClosedError('producer');
    const deliverAtMs = deliveryTime(options ?? {}, Date.now());
    const put = encodePut(message, options.timeoutMs === undefined ? this.sendTimeoutMs : checkPositiveInt(options.timeoutMs, 'timeoutMs'));
    return this.inFlight.during(async () => {
      const found = partitionsOf(this.host.router, put.topic, 'message.topic');
      const partitions = found instanceof Promise ? await found : found;
      const chosen = options.partition ?? this.selector(put.topic, partitions, message);
      return sendScheduled(this.host.connection(this.host.router.broker(chosen)), chosen, put, deliverAtMs).catch((error: unknown) => {
        forgetStalePartitions(this.host.router, put.topic, error);
        throw error;
      });
    });
  }

  /** Wait for sends in flight, then refuse new ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.inFlight.drained();
  }
}
