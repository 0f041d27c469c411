import type { Producer, ProducerOptions } from './producer/producer.js';
import { Producer as ProducerClass } from './producer/producer.js';
import type { Consumer, ConsumerOptions } from './consumer/consumer.js';
import { Consumer as ConsumerClass } from './consumer/consumer.js';
import { ClosedError, InvalidArgumentError } from './errors.js';
import { MetaqError } from '../common/errors.js';
import { KEY_OFFSETS_EXTENSION, MAX_KEY_OFFSETS, OFFSET_FOR_TIME_EXTENSION } from '../protocol/commands.js';
import { DirectRouter } from './partition-router.js';
import { askPartitionCount } from './topic-partition-count.js';
import type { PartitionRouter } from './partition-router.js';
import { isHttpAddress, parseBrokerUrl } from './transport/broker-address.js';
import { HttpTransport } from './transport/http-transport.js';
import type { BrokerTransport } from './transport/broker-transport.js';
import type { BrokerAddress } from './transport/broker-address.js';
import { BrokerConnection } from './transport/broker-connection.js';
import type { ConnectionOptions } from './transport/broker-connection.js';
import { decodeOffsetForTimeReply } from '../protocol/commands/offset-for-time.js';
import { decodeKeyOffsetsReply } from '../protocol/commands/key-offsets.js';
import { decodeStatsReply } from '../protocol/commands/stats.js';
import { defaultLogger } from './logger.js';
import type { Logger } from './logger.js';
import { OrderedProducer } from './producer/ordered-producer.js';
import type { OrderedProducerOptions } from './producer/ordered-producer.js';
import { AsyncProducer } from './producer/async-producer.js';
import type { AsyncProducerOptions } from './producer/async-producer.js';
import { fetchOnce } from './consumer/fetch-once.js';
import { ZkRouter } from './zk-router.js';
import { abortable, checkSignal } from './abort-signal.js';
import { XaProducer } from './transactions/xa-producer.js';
import type { XaProducerOptions } from './transactions/xa-producer.js';
import { ZkSession } from '../coordination/zk/zk-session.js';
import type { FetchResult } from './consumer/fetch-once.js';
import type { Partition, ReceivedMessage } from './message.js';
import { FileOffsetStorage } from './offsets/file-offset-storage.js';
import { networkInterfaces } from 'node:os';
import { checkNonNegativeInt, checkPositiveInt, checkGroup, checkTopic, partitionArgument } from './validate.js';
import { messageById, messagesByKey } from './message-lookup.js';
import type { LookupHost } from './message-lookup.js';

export interface ClientOptions {
  /** `meta://host:port`: direct mode, no ZooKeeper (docs/client.md). */
  serverUrl?: string;
  /** `host:port[,host:port…][/chroot]`: cluster mode, brokers discovered in ZooKeeper (docs/cluster.md). */
  zkConnect?: string;
  /** MetaQ's `zk.zkRoot` (default /meta) and session timeout for cluster mode. */
  zkRoot?: string;
  zkSessionTimeoutMs?: number;
  /** Direct mode: partitions per topic; a topic not named here is asked of the broker (`stats <topic>`, docs/client.md). */
  partitions?: Record<string, number>;
  connection?: Partial<ConnectionOptions>;
  /**
   * Where the client and the producers and consumers it creates log (a pino logger, or anything
   * with debug/info/warn/error/child). Default: warnings and errors as JSON on stderr; the level
   * follows METAQ_LOG_LEVEL (docs/client.md, logging).
   */
  logger?: Logger;
}

/** This host's first non-loopback IPv4 address, as MetaQ names broadcast groups. */
function localAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return '127.0.0.1';
}

/**
 * The session factory: one per application. It owns one shared connection per broker and
 * every producer and consumer it creates; `close()` closes them all, consumers committing their
 * offsets first.
 */
export class MetaqClient {
  readonly router: PartitionRouter;
  private readonly connections = new Map<string, BrokerTransport>();
  private readonly children = new Set<{ close(): Promise<void> }>();
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly options: ClientOptions) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
    this.logger = options.logger ?? defaultLogger();
    if (options.zkConnect !== undefined) {
      const zkConnect = options.zkConnect;
      let session: Promise<ZkSession> | undefined;
      this.router = new ZkRouter(
        () => (session ??= ZkSession.open({ connect: zkConnect, sessionTimeoutMs: options.zkSessionTimeoutMs ?? 30_000, connectionTimeoutMs: 30_000 })),
        options.zkRoot,
      );
    } else if (options.serverUrl !== undefined) {
      const address = parseBrokerUrl(options.serverUrl);
      // Over http:// only put, get and offset exist (MetaQ's front end): no stats to learn partitions from.
      const ask = isHttpAddress(address) ? undefined : (topic: string) => askPartitionCount(this.connection(address), topic, 10_000);
      this.router = new DirectRouter(address, options.partitions ?? {}, ask);
    } else throw new InvalidArgumentError('options', 'needs serverUrl (meta://host:port, direct mode) or zkConnect (host:port, cluster mode)');
  }

  /** The shared connection to a broker, opened on first use. */
  connection(address: BrokerAddress): BrokerTransport {
    if (this.closed) throw new ClosedError('client');
    let connection = this.connections.get(address.url);
    if (connection === undefined) {
      connection = isHttpAddress(address) ? new HttpTransport(address) : new BrokerConnection(address, this.options.connection);
      this.connections.set(address.url, connection);
      this.logger.debug({ broker: address.url }, 'connecting to a broker');
    }
    return connection;
  }

  producer(options?: ProducerOptions): Producer {
    return this.adopt(new ProducerClass(this, options));
  }

  /** A producer that keeps per-key order through partition outages (docs/client.md, ordered producer). */
  orderedProducer(options?: OrderedProducerOptions): OrderedProducer {
    return this.adopt(new OrderedProducer(this, new ProducerClass(this, { sendTimeoutMs: options?.sendTimeoutMs }), this.logger, options));
  }

  /** A fire-and-forget producer with a sliding window and local spill (docs/client.md); `selector` and `sendTimeoutMs` as for `producer()`. */
  asyncProducer(options?: AsyncProducerOptions & ProducerOptions): AsyncProducer {
    return this.adopt(new AsyncProducer(new ProducerClass(this, { selector: options?.selector, sendTimeoutMs: options?.sendTimeoutMs }), this.logger, options));
  }

  /** A producer that takes part in XA transactions as a resource of a transaction manager (docs/transactions.md). */
  xaProducer(options: XaProducerOptions): XaProducer {
    return this.adopt(new XaProducer(this, new ProducerClass(this, { sendTimeoutMs: options.requestTimeoutMs }), options));
  }

  consumer(options: ConsumerOptions): Consumer {
    // The group's records go to the client's logger unless the consumer has its own.
    const usesClientLogger = typeof options === 'object' && options !== null && options.logger === undefined;
    return this.adopt(new ConsumerClass(this, usesClientLogger ? { ...options, logger: this.logger.child({ group: options.group }) } : options));
  }

  private adopt<T extends { close(): Promise<void> }>(child: T): T {
    if (this.closed) throw new ClosedError('client');
    this.children.add(child);
    return child;
  }

  /**
   * One synchronous fetch from a partition (docs/client.md, get): the whole messages at `offset` and the
   * offset to fetch next. Consumers do this in a loop for you; this is for tools and browsing.
   * Aborting `signal` rejects at once with its reason.
   */
  async get(
    topic: string,
    partition: number,
    offset: number,
    options: { maxSize?: number; timeoutMs?: number; group?: string; signal?: AbortSignal } = {},
  ): Promise<FetchResult> {
    checkTopic(topic, 'topic');
    checkNonNegativeInt(partition, 'partition');
    checkNonNegativeInt(offset, 'offset');
    const maxSize = options.maxSize === undefined ? 1024 * 1024 : checkPositiveInt(options.maxSize, 'options.maxSize');
    const signal = checkSignal(options.signal, 'options.signal');
    const target: Partition = { brokerId: 0, index: partition };
    const connection = this.connection(this.router.broker(target));
    // The reason, not the transport's own error, as Node's APIs reject an aborted call.
    return abortable(fetchOnce(connection, topic, target, offset, maxSize, options.timeoutMs ?? 10_000, options.group ?? 'metaq-get', signal), signal);
  }

  /**
   * The offset of the first message of a partition appended at or after `time` (a Date or ms
   * since 1970), or the partition's end when none is that recent. Needs a metaq broker (the
   * `otime` extension); a MetaQ broker has no time index and is refused with a clear error.
   */
  async offsetForTime(topic: string, partition: number | Partition, time: Date | number, options: { timeoutMs?: number } = {}): Promise<number> {
    checkTopic(topic, 'topic');
    const target: Partition = partitionArgument(partition, 'partition');
    const timeMs = typeof time === 'number' ? time : time.getTime();
    if (!Number.isSafeInteger(timeMs) || timeMs < 0)
      throw new InvalidArgumentError('time', `must be a valid Date or a non-negative number of ms since 1970, got ${String(time)}`);
    const connection = this.connection(await this.router.readBroker(target));
    if (!(await connection.extensions()).has(OFFSET_FOR_TIME_EXTENSION))
      throw new MetaqError('UNSUPPORTED', `${connection.address.url} does not offer seeking by time (+otime): it is not a metaq broker, or an older one`);
    const reply = await connection.request(
      (opaque) => ({ kind: 'otime', topic, partition: target.index, timeMs, opaque }),
      options.timeoutMs ?? 10_000,
      `otime ${topic}-${target.index}`,
    );
    return decodeOffsetForTimeReply(reply);
  }

  /**
   * Every message of a topic, partition by partition in (broker, index) order, from the start
   * (docs/client.md, browsing). A partition whose head was deleted is read from its new start (MetaQ showed it empty).
   * Aborting `signal` ends it with the signal's reason, also between the messages of a fetch.
   */
  async *browse(
    topic: string,
    options: { maxSize?: number; timeoutMs?: number; partitions?: number[]; signal?: AbortSignal } = {},
  ): AsyncGenerator<ReceivedMessage> {
    checkTopic(topic, 'topic');
    const signal = checkSignal(options.signal, 'options.signal');
    const indexes = options.partitions ?? (await this.partitionIndexes(topic));
    for (const index of indexes) {
      let offset = 0;
      for (;;) {
        const result = await this.get(topic, index, offset, { maxSize: options.maxSize, timeoutMs: options.timeoutMs, group: 'Just_for_Browser', signal });
        if (result.caughtUp) break;
        for (const message of result.messages) {
          signal?.throwIfAborted();
          yield message;
        }
        offset = result.nextOffset;
      }
    }
  }

  /**
   * The messages of a topic whose key (attribute) is `key`, the newest `limit` (default 100) of
   * each partition, oldest first. The broker indexes keys of topics configured with
   * `keyIndex=true`; elsewhere nothing is found. Needs a metaq broker (`okey`).
   */
  async messagesByKey(topic: string, key: string, options: { limit?: number; partitions?: number[]; timeoutMs?: number } = {}): Promise<ReceivedMessage[]> {
    if (typeof key !== 'string') throw new InvalidArgumentError('key', `must be a string, got ${String(key)}`);
    const limit = options.limit === undefined ? 100 : checkPositiveInt(options.limit, 'options.limit');
    if (limit > MAX_KEY_OFFSETS) throw new InvalidArgumentError('options.limit', `must be at most ${MAX_KEY_OFFSETS}, got ${limit}`);
    return messagesByKey(this.lookupHost(options.timeoutMs), topic, options.partitions ?? (await this.partitionIndexes(topic)), key, limit);
  }

  /** The message of a topic with this id (as a send result or `metaq consume` gives it), or undefined. Needs a metaq broker (`otime`). */
  async messageById(topic: string, id: bigint, options: { partitions?: number[]; timeoutMs?: number } = {}): Promise<ReceivedMessage | undefined> {
    if (typeof id !== 'bigint' || id < 0n) throw new InvalidArgumentError('id', `must be a non-negative bigint message id, got ${String(id)}`);
    return messageById(this.lookupHost(options.timeoutMs), topic, options.partitions ?? (await this.partitionIndexes(topic)), id);
  }

  private lookupHost(timeoutMs = 10_000): LookupHost {
    return {
      get: (topic, partition, offset, { maxSize }) => this.get(topic, partition, offset, { maxSize, timeoutMs, group: 'Just_for_Browser' }),
      offsetForTime: (topic, partition, timeMs) => this.offsetForTime(topic, partition, timeMs, { timeoutMs }),
      keyOffsets: async (topic, partition, key, limit) => {
        const target: Partition = { brokerId: 0, index: partition };
        const connection = this.connection(await this.router.readBroker(target));
        if (!(await connection.extensions()).has(KEY_OFFSETS_EXTENSION))
          throw new MetaqError('UNSUPPORTED', `${connection.address.url} does not offer lookups by key (+okey): it is not a metaq broker, or an older one`);
        const reply = await connection.request((opaque) => ({ kind: 'okey', topic, partition, key, limit, opaque }), timeoutMs, `okey ${topic}-${partition}`);
        return decodeKeyOffsetsReply(reply);
      },
    };
  }

  /** A topic's partition indexes (direct mode: `ClientOptions.partitions`, else the broker's count; 0 if it cannot say). */
  async partitionIndexes(topic: string): Promise<number[]> {
    checkTopic(topic, 'topic');
    const known = await this.router.partitions(topic);
    return known.length === 1 && known[0]!.index === -1 ? [0] : known.map((p) => p.index);
  }

  /**
   * A consumer that receives every message on this machine (docs/client.md, broadcast consumers): its group is renamed per host
   * (`<group>-<ip with . and : as ->`) and its positions are kept in a local file by default.
   */
  broadcastConsumer(options: ConsumerOptions): Consumer {
    const group = `${checkGroup(options?.group, 'options.group')}-${localAddress().replace(/[.:]/g, '-')}`;
    return this.consumer({ offsetStorage: new FileOffsetStorage(), ...options, group });
  }

  /** `stats [item]` of every broker this client knows, as key → value maps (MetaQ's getStats). */
  async stats(item = ''): Promise<Map<string, Map<string, string>>> {
    const result = new Map<string, Map<string, string>>();
    for (const address of await this.router.allBrokers()) {
      const reply = await this.connection(address).request((opaque) => ({ kind: 'stats', item, opaque }), 3000, `stats ${item}`);
      result.set(address.url, decodeStatsReply(reply));
    }
    return result;
  }

  /** Close every producer and consumer (consumers commit offsets), then every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.children].map((child) => child.close()));
    this.closed = true;
    await Promise.all([...this.connections.values()].map((connection) => connection.close()));
    await this.router.close();
  }
}
