import { hostname } from 'node:os';
import { checksum } from '../../common/checksum.js';
import { MetaqError } from '../../common/errors.js';
import { promiseFor, Settler } from '../../common/settler.js';
import { encodePayload } from '../../protocol/payload.js';
import { Status } from '../../protocol/status.js';
import { brokerStatus, ClosedError, ConnectionError, InvalidArgumentError } from '../errors.js';
import { decodePutReply } from '../../protocol/commands/put.js';
import type { BatchSendResult, OutgoingMessage, Partition, SendResult } from '../message.js';
import type { PartitionRouter } from '../partition-router.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import type { BrokerAddress } from '../transport/broker-address.js';
import { transactionRequest } from '../transactions/transaction-request.js';
import { checkNonNegativeInt, checkPositiveInt, checkTopic } from '../validate.js';
import type { PartitionSelector } from './partition-selector.js';
import { defaultBatching, IdempotentSequences, PutSetBatcher, sendSet } from './put-set-batcher.js';
import type { BatchingOptions, EncodedPut, SendListener } from './put-set-batcher.js';
import { IDEMPOTENT_PUT_EXTENSION, PUT_SET_EXTENSION } from '../../protocol/commands.js';
import { randomUUID } from 'node:crypto';
import { zstdAvailable } from '../../protocol/compressed-set.js';
import { roundRobinSelector } from './partition-selector.js';
import { deliveryTime, sendScheduled } from './scheduled-send.js';
import type { ScheduleOptions, ScheduleResult } from './scheduled-send.js';

export interface ProducerOptions {
  /** Default: round robin, identical to MetaQ's Java client. */
  selector?: PartitionSelector;
  /** Per-send timeout; MetaQ's default is 3 s. */
  sendTimeoutMs?: number;
  /**
   * Whether a send the broker refused with 503 (nothing stored) tries another broker (default
   * true). Turn it off when the selector's choice carries meaning, as for per-key order.
   */
  failover?: boolean;
  /**
   * Gather sends into message sets, one `mput` per partition and set, where the broker offers
   * it (metaq brokers do; MetaQ brokers get one `put` per message). On by default; `false` sends
   * every message as its own `put`.
   */
  batching?: false | Partial<BatchingOptions>;
  /**
   * Store every message once even when a send is retried (Kafka's enable.idempotence): sets
   * carry this producer's id and a sequence number per partition, a send whose outcome is
   * unknown (timeout, lost connection) is sent again up to `retries` times, and the broker
   * answers a retry of a stored set with the original offset. Needs batching and a metaq broker
   * (`+idem`); implies `failover: false`, since a retry must go to the same partition.
   */
  idempotent?: boolean | { retries?: number };
}

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Send to this partition instead of asking the selector. */
  partition?: Partition;
}

/**
 * A transaction the producer's sends go into: a local one (`beginTransaction`) or an XA branch
 * (XaProducer). Every message of it goes to one broker, chosen by the first send.
 */
export interface TransactionBinding {
  readonly key: string;
  readonly xa: boolean;
  broker: { url: string; connection: BrokerTransport } | undefined;
  /** BEGIN on the chosen broker, sent once. */
  begin(connection: BrokerTransport): Promise<void>;
  begun: Promise<void> | undefined;
}

let producerCount = 0;

/** Hears how one send ended: an error, or the stored message's partition, offset and id. */
export type SendCallback = (error: Error | undefined, result?: SendResult) => void;

/** What a producer needs from its client: routing and shared connections. */
export interface ProducerHost {
  router: PartitionRouter;
  connection(address: BrokerAddress): BrokerTransport;
}

/**
 * Sends messages (§5.3). Each send is one pipelined `put` with a checksum; it resolves with the
 * partition, offset and id the broker assigned, or rejects with a typed error: BrokerError for a
 * refusal (status and MetaQ's text), RequestTimeoutError or ConnectionError when the outcome is
 * unknown. A send whose outcome is unknown is never retried (MetaQ's MAX_RETRY is 1): retrying
 * may store twice. A 503 refusal is different: the broker stored nothing (it is fenced or its
 * handlers are saturated), so a selector-chosen send tries once more on another broker, as Kafka's
 * producer does on NOT_LEADER.
 */
export class Producer {
  private readonly selector: PartitionSelector;
  private readonly sendTimeoutMs: number;
  private readonly failover: boolean;
  private readonly batcher: PutSetBatcher | undefined;
  private readonly brokerSpans = new WeakMap<readonly Partition[], boolean>();
  private inFlight = 0;
  private drained: Array<() => void> = [];
  private closed = false;
  private transaction: TransactionBinding | undefined;
  private transactionCount = 0;
  /** Names this producer in transaction keys (`TX:<sessionId>:<n>`, §5.6.1). */
  readonly sessionId = `${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${++producerCount}`;

  constructor(
    private readonly host: ProducerHost,
    options: ProducerOptions = {},
  ) {
    this.selector = options.selector ?? roundRobinSelector();
    this.sendTimeoutMs = options.sendTimeoutMs === undefined ? 3000 : checkPositiveInt(options.sendTimeoutMs, 'sendTimeoutMs');
    const idempotence = idempotenceOf(options);
    this.failover = idempotence === undefined && (options.failover ?? true);
    if (options.batching !== undefined && options.batching !== false) {
      const { lingerMs, maxBatchBytes, maxBatchMessages, compression } = options.batching;
      if (lingerMs !== undefined) checkNonNegativeInt(lingerMs, 'batching.lingerMs');
      if (maxBatchBytes !== undefined) checkPositiveInt(maxBatchBytes, 'batching.maxBatchBytes');
      if (maxBatchMessages !== undefined) checkPositiveInt(maxBatchMessages, 'batching.maxBatchMessages');
      if (compression !== undefined && compression !== 'gzip' && compression !== 'zstd') throw new InvalidArgumentError('batching.compression', `must be 'gzip' or 'zstd', got ${JSON.stringify(compression)}`);
      if (compression === 'zstd' && !zstdAvailable()) throw new InvalidArgumentError('batching.compression', `zstd needs Node.js 22.15 or later (this is ${process.version}); use 'gzip'`);
    }
    this.batcher = options.batching === false ? undefined : new PutSetBatcher({ ...defaultBatching, ...options.batching }, (count) => this.settled(count), idempotence);
  }

  /** This producer's id in its idempotent sets (undefined unless `idempotent`). */
  get producerId(): string | undefined {
    return this.batcher?.idempotence?.producerId;
  }

  /**
   * MetaQ's `publish(topic)` (§3.3): find the topic's partitions and connect to their brokers now,
   * so the first send does not wait for discovery and the handshake. Optional here (a send
   * does the same on demand); idempotent.
   */
  async publish(topic: string): Promise<void> {
    if (this.closed) throw new ClosedError('producer');
    const partitions = await this.host.router.partitions(checkTopic(topic, 'topic'));
    const brokers = new Map(partitions.map((p) => [p.brokerId, this.host.router.broker(p)]));
    await Promise.all([...brokers.values()].map((address) => this.host.connection(address).extensions()));
  }

  send(message: OutgoingMessage, options?: SendOptions): Promise<SendResult> {
    const settler = new PromisedSend();
    const promise = promiseFor(settler);
    this.dispatch(message, options ?? NO_OPTIONS, settler);
    return promise;
  }

  /**
   * Every send goes through here. The common case (no transaction, the topic's partitions and
   * the broker's `mput` already known) hands `listener` to the open set, with no promise or
   * closure of its own; anything else takes the general path.
   */
  private dispatch(message: OutgoingMessage, options: SendOptions, listener: SendListener): void {
    let put: EncodedPut;
    try {
      if (this.closed) throw new ClosedError('producer');
      put = encodePut(message, options.timeoutMs === undefined ? this.sendTimeoutMs : checkPositiveInt(options.timeoutMs, 'timeoutMs'));
    } catch (error) {
      listener.done(error as Error);
      return;
    }
    this.inFlight += 1;
    try {
      if (this.addToSet(message, options, put, listener)) return; // the batcher counts it settled
    } catch (error) {
      this.settled();
      listener.done(error as Error);
      return;
    }
    this.settleWhen(this.sendGenerally(message, options, put), listener);
  }

  /** Count one send in flight settled once `sending` ends, then tell `listener` how. */
  private settleWhen(sending: Promise<SendResult>, listener: SendListener): void {
    sending.then(
      (result) => {
        this.settled();
        listener.done(undefined, result);
      },
      (error: Error) => {
        this.settled();
        listener.done(error);
      },
    );
  }

  /** The fast path: false when this send needs the general one. */
  private addToSet(message: OutgoingMessage, options: SendOptions, put: EncodedPut, listener: SendListener): boolean {
    const partitions = this.host.router.knownPartitions(put.topic);
    if (this.batcher === undefined || this.transaction !== undefined || options.signal !== undefined || partitions === undefined || partitions.length === 0) return false;
    const chosen = options.partition ?? this.selector(put.topic, partitions, message);
    const connection = this.host.connection(this.host.router.broker(chosen));
    if (!connection.knownExtensions?.has(PUT_SET_EXTENSION)) return false;
    if (this.batcher.idempotence !== undefined && (chosen.index < 0 || !connection.knownExtensions.has(IDEMPOTENT_PUT_EXTENSION))) return false;
    const canFailOver = this.failover && options.partition === undefined && this.spansBrokers(partitions);
    this.batcher.add(connection, chosen, put, canFailOver ? this.failingOver(message, options, put, partitions, chosen, listener) : listener);
    return true;
  }

  /** `listener`, but a 503 for the selector's choice first tries once more on another broker. */
  private failingOver(message: OutgoingMessage, options: SendOptions, put: EncodedPut, partitions: readonly Partition[], chosen: Partition, listener: SendListener): SendListener {
    return {
      done: (error, result) => {
        if (error === undefined || !this.mayFailOver(error, options, partitions, chosen)) {
          listener.done(error, result);
          return;
        }
        this.inFlight += 1; // the set settles its count; the retry holds one of its own
        this.settleWhen(this.sendElsewhere(message, options, put, partitions, chosen), listener);
      },
    };
  }

  /** Whether a topic's partitions are on more than one broker (remembered per partition list). */
  private spansBrokers(partitions: readonly Partition[]): boolean {
    let spans = this.brokerSpans.get(partitions);
    if (spans === undefined) {
      spans = partitions.some((p) => p.brokerId !== partitions[0]!.brokerId);
      this.brokerSpans.set(partitions, spans);
    }
    return spans;
  }

  /** A 503 (nothing stored) for a partition the selector chose may go once to another broker. */
  private mayFailOver(error: Error, options: SendOptions, partitions: readonly Partition[], chosen: Partition): boolean {
    return brokerStatus(error) === Status.serviceUnavailable && this.failover && options.partition === undefined && partitions.some((p) => p.brokerId !== chosen.brokerId);
  }

  private sendElsewhere(message: OutgoingMessage, options: SendOptions, put: EncodedPut, partitions: readonly Partition[], chosen: Partition): Promise<SendResult> {
    const elsewhere = partitions.filter((p) => p.brokerId !== chosen.brokerId);
    return this.put(this.selector(put.topic, elsewhere, message), put, options.signal, undefined);
  }

  /**
   * A topic's partitions, looked up if not yet known; refused when no broker has any. Known ones
   * come back in the same turn (no await), which sendBatch's ordering with sends relies on.
   */
  private partitionsOf(topic: string, argument: string): readonly Partition[] | Promise<readonly Partition[]> {
    const check = (partitions: readonly Partition[]): readonly Partition[] => {
      if (partitions.length === 0) throw new InvalidArgumentError(argument, `${topic} has no partitions on any broker: configure [topic=${topic}] on at least one broker (a topic accepted only through [topic=*] is registered after its first message, which must go to a broker directly)`);
      return partitions;
    };
    const known = this.host.router.knownPartitions(topic);
    return known === undefined ? this.host.router.partitions(topic).then(check) : check(known);
  }

  /** Looks the partitions up if needed, then a transactional send, or a put (or set) with one failover. */
  private async sendGenerally(message: OutgoingMessage, options: SendOptions, put: EncodedPut): Promise<SendResult> {
    const found = this.partitionsOf(put.topic, 'message.topic');
    const partitions = found instanceof Promise ? await found : found;
    if (this.transaction !== undefined) return this.sendInTransaction(this.transaction, partitions, message, options, put);
    const chosen = options.partition ?? this.selector(put.topic, partitions, message);
    try {
      return await this.put(chosen, put, options.signal, undefined);
    } catch (error) {
      if (!this.mayFailOver(error as Error, options, partitions, chosen)) throw error;
      return this.sendElsewhere(message, options, put, partitions, chosen);
    }
  }

  /** A send inside a transaction: to the transaction's broker, which is sent BEGIN first. */
  private async sendInTransaction(tx: TransactionBinding, partitions: readonly Partition[], message: OutgoingMessage, options: SendOptions, put: EncodedPut): Promise<SendResult> {
    const { router } = this.host;
    const candidates = tx.broker === undefined ? partitions : partitions.filter((p) => router.broker(p).url === tx.broker!.url);
    if (candidates.length === 0) throw new InvalidArgumentError('message.topic', `${put.topic} has no partition on ${tx.broker!.url}, the broker transaction ${tx.key} is bound to: all messages of one transaction go to one broker`);
    const chosen = options.partition ?? this.selector(put.topic, candidates, message);
    // MetaQ refuses "broker picks" (-1) inside a transaction: the partition must be named.
    if (chosen.index < 0) throw new InvalidArgumentError('message.topic', `${put.topic} has no known partitions, and a transactional send must name one: in direct mode pass ClientOptions.partitions (e.g. { '${put.topic}': 1 })`);
    const address = router.broker(chosen);
    if (tx.broker !== undefined && address.url !== tx.broker.url) throw new InvalidArgumentError('options.partition', `is on ${address.url}, but transaction ${tx.key} is bound to ${tx.broker.url}`);
    if (tx.broker === undefined) {
      const connection = this.host.connection(address);
      tx.broker = { url: address.url, connection };
      tx.begun = tx.begin(connection);
    }
    await tx.begun;
    return this.put(chosen, put, options.signal, tx.key);
  }

  /**
   * Start a local transaction (§5.6.1): every send until `commit()` or `rollback()` goes into it,
   * to one broker, and becomes visible to consumers only at commit, all together. One at a time
   * per producer (MetaQ binds it to a thread; use one producer per concurrent transaction).
   * The broker rolls it back if it is not committed within `timeoutSeconds` (capped by the
   * broker's maxTxTimeoutInSeconds, which is also the default) or the connection drops.
   */
  beginTransaction(options: { timeoutSeconds?: number } = {}): void {
    this.checkNoTransaction();
    const timeoutSeconds = options.timeoutSeconds === undefined ? 0 : checkPositiveInt(options.timeoutSeconds, 'timeoutSeconds');
    const key = `TX:${this.sessionId}:${++this.transactionCount}`;
    this.transaction = {
      key,
      xa: false,
      broker: undefined,
      begun: undefined,
      begin: async (connection) => {
        await transactionRequest(connection, { txKey: key, sessionId: this.sessionId, type: 'BEGIN', timeoutSeconds, requestTimeoutMs: this.sendTimeoutMs });
      },
    };
  }

  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  /** Make the local transaction's messages visible, all together. Rejects with TransactionStateUnknownError when no answer came. */
  commit(): Promise<void> {
    return this.finishLocal('COMMIT_ONE_PHASE');
  }

  /** Drop the local transaction's messages. */
  rollback(): Promise<void> {
    return this.finishLocal('ROLLBACK');
  }

  private async finishLocal(type: 'COMMIT_ONE_PHASE' | 'ROLLBACK'): Promise<void> {
    const tx = this.transaction;
    if (tx === undefined) throw new MetaqError('NO_TRANSACTION', `${type === 'ROLLBACK' ? 'rollback' : 'commit'}() needs a transaction: call beginTransaction() first`);
    if (tx.xa) throw new MetaqError('XA_TRANSACTION', `this producer is in XA branch ${tx.key}; its transaction manager commits or rolls it back`);
    this.transaction = undefined;
    if (tx.broker === undefined) return; // nothing was sent: nothing to commit or roll back
    await tx.begun;
    await transactionRequest(tx.broker.connection, { txKey: tx.key, sessionId: this.sessionId, type, requestTimeoutMs: this.sendTimeoutMs });
  }

  /** Route sends into an XA branch (XaProducer). */
  bindTransaction(binding: TransactionBinding): void {
    this.checkNoTransaction();
    this.transaction = binding;
  }

  unbindTransaction(binding: TransactionBinding): void {
    if (this.transaction === binding) this.transaction = undefined;
  }

  private checkNoTransaction(): void {
    if (this.closed) throw new ClosedError('producer');
    if (this.transaction !== undefined) throw new MetaqError('TRANSACTION_ACTIVE', `transaction ${this.transaction.key} is still open on this producer: commit or roll it back first, or use another producer`);
  }

  private async put(partition: Partition, put: EncodedPut, signal: AbortSignal | undefined, txKey: string | undefined): Promise<SendResult> {
    const { topic, flag, crc, payload, timeoutMs } = put;
    const connection = this.host.connection(this.host.router.broker(partition));
    if (this.batcher?.idempotence !== undefined && txKey === undefined) await this.checkIdempotence(connection, partition);
    if (this.batcher !== undefined && txKey === undefined && signal === undefined && (connection.knownExtensions ?? (await connection.extensions())).has(PUT_SET_EXTENSION)) {
      const settler = new PromisedSend();
      const promise = promiseFor(settler);
      this.inFlight += 1; // the batcher counts it settled
      this.batcher.add(connection, partition, put, settler);
      return promise;
    }
    const reply = await connection.request((opaque) => ({ kind: 'put', topic, partition: partition.index, flag, checksum: crc, txKey, opaque, body: payload }), timeoutMs, 'send', signal);
    return decodePutReply(reply, Math.max(0, partition.brokerId));
  }

  /** An idempotent send needs a named partition on a broker that offers `+idem`. */
  private async checkIdempotence(connection: BrokerTransport, partition: Partition): Promise<void> {
    if (partition.index < 0) throw new InvalidArgumentError('options.partition', `is needed for an idempotent send when the topic's partitions are not known (sequence numbers belong to one partition): in direct mode pass ClientOptions.partitions`);
    if ((await connection.extensions()).has(IDEMPOTENT_PUT_EXTENSION)) return;
    if (connection.knownExtensions === undefined) throw new ConnectionError(`${connection.address.url} did not say which extensions it offers (no answer to version); nothing was sent, retry the send`);
    throw new MetaqError('UNSUPPORTED', `${connection.address.url} does not offer idempotent puts (+idem): it is not a metaq broker, or an older one; create the producer without idempotent`);
  }

  /**
   * Send messages of one topic as one batch to one partition (RocketMQ's batch send): stored
   * contiguously in their order, with increasing ids (consecutive within each set), at the cost of one record each and no
   * per-message bookkeeping in the client. The partition is `options.partition` or the
   * selector's choice for the first message. A batch over `batching.maxBatchBytes` goes as
   * several sets back to back on one connection; if one fails the batch rejects, and sets before
   * it may be stored. A MetaQ broker, a transaction or `batching: false` get one put per message,
   * in order, to the same partition.
   */
  async sendBatch(messages: readonly OutgoingMessage[], options: Omit<SendOptions, 'signal'> = {}): Promise<BatchSendResult> {
    if (this.closed) throw new ClosedError('producer');
    if (!(messages instanceof Array) || messages.length === 0) throw new InvalidArgumentError('messages', 'must be a non-empty array of messages of one topic');
    const timeoutMs = options.timeoutMs === undefined ? this.sendTimeoutMs : checkPositiveInt(options.timeoutMs, 'timeoutMs');
    const puts = messages.map((message, n) => {
      const put = encodePut(message, timeoutMs);
      if (n > 0 && put.topic !== messages[0]!.topic) throw new InvalidArgumentError(`messages[${n}].topic`, `is ${put.topic}, but a batch goes to one topic (${messages[0]!.topic}): send one batch per topic`);
      return put;
    });
    const topic = puts[0]!.topic;
    const found = this.partitionsOf(topic, 'messages[0].topic');
    const partitions = found instanceof Promise ? await found : found;
    const chosen = options.partition ?? this.selector(topic, partitions, messages[0]!);
    const connection = this.host.connection(this.host.router.broker(chosen));
    if (this.batcher?.idempotence !== undefined && this.transaction === undefined) await this.checkIdempotence(connection, chosen);
    const offered = connection.knownExtensions ?? (await connection.extensions());
    if (this.batcher === undefined || this.transaction !== undefined || !offered.has(PUT_SET_EXTENSION)) {
      // Pipelined puts on one connection are stored in the order they were sent.
      const results = await Promise.all(messages.map((message) => this.send(message, { partition: chosen, timeoutMs })));
      return { ...results[0]!, count: results.length, sets: [] };
    }
    this.inFlight += 1;
    try {
      // Sends already gathered for this partition go first, so order holds across both APIs.
      this.batcher.flushPartition(connection, topic, chosen.index);
      const { compression } = this.batcher.options;
      const laidOut = this.batcher.split(puts);
      const [head, ...rest] = laidOut;
      const sent = sendSet(connection, topic, chosen.index, head!.records, head!.count, compression, timeoutMs, this.batcher.identify(topic, chosen));
      // Where the broker picks the partition (-1), the rest follow the first set to the one it picked.
      const first = chosen.index < 0 && rest.length > 0 ? await sent : undefined;
      const index = first?.partition ?? chosen.index;
      // Every set is written to the connection before any reply is awaited: stored in this order.
      const replies = [sent, ...rest.map((set) => sendSet(connection, topic, index, set.records, set.count, compression, timeoutMs, this.batcher!.identify(topic, chosen)))];
      // All are awaited below, a later one may fail first. An answered set's buffer is reused.
      const batcher = this.batcher;
      replies.forEach((reply, n) => {
        reply.then(() => batcher.recycle(laidOut[n]!.records), () => undefined);
      });
      const stored = await Promise.all(replies);
      const sets = stored.map((reply, n) => ({ offset: reply.firstOffset, id: reply.firstId, count: laidOut[n]!.count }));
      return { partition: { brokerId: Math.max(0, chosen.brokerId), index: stored[0]!.partition }, offset: sets[0]!.offset, id: sets[0]!.id, count: puts.length, sets };
    } finally {
      this.settled();
    }
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
    const found = this.partitionsOf(put.topic, 'message.topic');
    const partitions = found instanceof Promise ? await found : found;
    const chosen = options.partition ?? this.selector(put.topic, partitions, message);
    this.inFlight += 1;
    try {
      return await sendScheduled(this.host.connection(this.host.router.broker(chosen)), chosen, put, deliverAtMs);
    } finally {
      this.settled();
    }
  }

  /** `count` sends (or batches) ended: `close()` waits for the last. */
  private settled(count = 1): void {
    this.inFlight -= count;
    if (this.inFlight === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  /**
   * Send a stream of messages with at most `inFlight` sends outstanding (pipelined on one
   * connection); `onResult` hears each outcome as it arrives. Resolves when every send settled.
   */
  async sendAll(
    messages: Iterable<OutgoingMessage> | AsyncIterable<OutgoingMessage>,
    options: { inFlight?: number; onResult?: (message: OutgoingMessage, error: Error | undefined, result?: SendResult) => void } = {},
  ): Promise<{ sent: number; failed: number }> {
    const limit = options.inFlight === undefined ? 1000 : checkPositiveInt(options.inFlight, 'options.inFlight');
    let pending = 0;
    let sent = 0;
    let failed = 0;
    let slotFreed: (() => void) | undefined;
    // Wake the sending loop when a quarter of the window is free (or all is done), not per ack:
    // a promise per freed slot costs more than the send itself.
    const lowWater = limit - Math.max(1, limit >> 2);
    const settle = (): void => {
      pending -= 1;
      if (slotFreed !== undefined && (pending <= lowWater || pending === 0)) {
        const wake = slotFreed;
        slotFreed = undefined;
        wake();
      }
    };
    const start = (message: OutgoingMessage): void => {
      pending += 1;
      // Callbacks, not a promise per message: the hot path of bulk sending.
      this.dispatch(message, NO_OPTIONS, {
        done: (error, result) => {
          if (error === undefined) sent += 1;
          else failed += 1;
          options.onResult?.(message, error, result);
          settle();
        },
      });
    };
    const slot = (): Promise<void> => new Promise<void>((resolve) => (slotFreed = resolve));
    if (Symbol.iterator in messages) {
      // A plain loop: awaiting each item of a synchronous source would cost a tick per message.
      for (const message of messages) {
        start(message);
        while (pending >= limit) await slot();
      }
    } else {
      for await (const message of messages) {
        start(message);
        while (pending >= limit) await slot();
      }
    }
    while (pending > 0) await slot();
    return { sent, failed };
  }

  /** Fire and forget; the callback (if any) learns the outcome. */
  sendNoWait(message: OutgoingMessage, callback?: SendCallback): void {
    this.dispatch(message, NO_OPTIONS, { done: callback ?? (() => undefined) });
  }

  /** Wait for sends in flight, then refuse new ones. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
  }
}

/** The idempotence a producer's options ask for, checked. */
function idempotenceOf(options: ProducerOptions): IdempotentSequences | undefined {
  const { idempotent } = options;
  if (idempotent === undefined || idempotent === false) return undefined;
  if (idempotent !== true && (typeof idempotent !== 'object' || idempotent === null)) throw new InvalidArgumentError('idempotent', `must be true, false or { retries }, got ${JSON.stringify(idempotent)}`);
  if (options.batching === false) throw new InvalidArgumentError('idempotent', 'needs batching (idempotent sends travel as named sets): drop batching: false');
  if (options.failover === true) throw new InvalidArgumentError('failover', 'cannot be true for an idempotent producer: a retry must go to the partition of the first attempt');
  const retries = idempotent === true || idempotent.retries === undefined ? 5 : checkNonNegativeInt(idempotent.retries, 'idempotent.retries');
  return new IdempotentSequences(randomUUID(), retries);
}

/** A message checked and encoded for the wire, with its checksum. */
function encodePut(message: OutgoingMessage, timeoutMs: number): EncodedPut {
  if (typeof message !== 'object' || message === null) throw new InvalidArgumentError('message', 'must be an object with topic and data');
  const topic = checkTopic(message.topic, 'message.topic');
  const data = typeof message.data === 'string' ? Buffer.from(message.data, 'utf8') : message.data;
  if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('message.data', 'must be a string, Buffer or Uint8Array');
  if (message.attribute !== undefined && typeof message.attribute !== 'string') throw new InvalidArgumentError('message.attribute', 'must be a string when given');
  const { payload, flag } = encodePayload(data, message.attribute);
  return { topic, payload, flag, crc: checksum(payload), timeoutMs };
}

/** What a send without options uses (not a new empty object per send). */
const NO_OPTIONS: SendOptions = Object.freeze({});

/** A send's promise, settled by its set's answer (or a failure). */
class PromisedSend extends Settler<SendResult> implements SendListener {
  done(error: Error | undefined, result?: SendResult): void {
    if (error === undefined) this.resolve(result!);
    else this.reject(error);
  }
}
