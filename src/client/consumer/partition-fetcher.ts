import type { Logger } from '../logger.js';
import { fetchChannel, publishFetch } from '../diagnostics.js';
import { abortableDelay } from '../../common/abortable-delay.js';
import { MAX_GET_WAIT_MS, WAITING_GET_EXTENSION } from '../../protocol/commands.js';
import { UnreadableCodecError } from '../../protocol/compressed-set.js';
import { completeLength } from '../../protocol/record.js';
import { decodeGetReply } from '../../protocol/commands/get.js';
import { answeredOffset } from '../../protocol/commands/offset.js';
import type { Partition, ReceivedMessage } from '../message.js';
import type { Reply } from '../transport/broker-connection.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import { deliverBatches } from './batch-delivery.js';
import type { DuplicateCache } from './duplicate-cache.js';
import type { MessageBatch } from './message-batch.js';
import { deliverMessages } from './message-delivery.js';
import type { DeliveryContext } from './message-delivery.js';
import { PartitionPosition } from './partition-position.js';

export interface FetcherSettings {
  topic: string;
  group: string;
  partition: Partition;
  maxSize: number;
  fetchTimeoutMs: number;
  maxDelayFetchMs: number;
  /** How long the broker may hold a fetch at the end of the log (waiting get); 0: poll. */
  fetchWaitMs: number;
  maxFetchRetries: number;
  maxIncreaseFetchDataRetries: number;
  filter: ((message: ReceivedMessage) => boolean) | undefined;
  /** Manual acknowledgement (`autoAck: false`, docs/client.md): processed messages advance only a temporary position. */
  manualAck: boolean;
  /** Process one message; a throw or rejection means "not processed, retry it". */
  deliver: (message: ReceivedMessage) => Promise<void> | void;
  /** Batch mode: process a batch instead (filter, manual ack and onReject do not apply). */
  deliverBatch?: (batch: MessageBatch) => Promise<void> | void;
  /** A message that failed more than maxFetchRetries times; undefined = never skip it. */
  reject: ((message: ReceivedMessage, error: unknown) => Promise<void>) | undefined;
  duplicates: DuplicateCache;
  logger: Logger;
}

/** A get on its way: what it asked for and its reply to come. */
interface Fetch {
  offset: number;
  /** Where it was sent: the one to hand a processed body back to. */
  transport: BrokerTransport;
  waitMs: number;
  started: number;
  reply: Promise<Reply>;
}

/** The largest fetch size the adaptive growth goes to (MetaQ stops near 2 MB). */
const MAX_GROWN_SIZE = 2 * 1024 * 1024;

/**
 * The fetch loop of one partition (docs/client.md, Consumer): get, deliver in order
 * (message-delivery.ts, or batch-delivery.ts for `runBatches`), advance, back off when there is
 * nothing new. While a batch is processed the get for the offset after it is already out (MetaQ
 * waits for the batch first), so a slow listener holds at most two batches in memory. It also
 * sizes the fetches and recovers from corrupt records.
 */
export class PartitionFetcher implements DeliveryContext {
  /** Where this partition's reading stands: what the consumer commits, acks, rolls back and seeks. */
  readonly position: PartitionPosition;
  private maxSize: number;
  /** Listener (or batch handler) failures in a row at the current position. */
  failures = 0;
  private incompleteRetries = 0;
  private emptyDelay = 0;
  /** The get sent ahead for the offset after the batch being processed. */
  private ahead: Promise<Fetch> | undefined;

  constructor(
    readonly settings: FetcherSettings,
    /** The connection to read from now: the master's, or a slave's while the master is gone. */
    private readonly connection: () => Promise<BrokerTransport>,
    startOffset: number,
  ) {
    this.position = new PartitionPosition(startOffset, settings.manualAck, settings.duplicates);
    this.maxSize = settings.maxSize;
  }

  get topicName(): string {
    return this.settings.topic;
  }

  get partitionRef(): Partition {
    return this.settings.partition;
  }

  async run(signal: AbortSignal): Promise<void> {
    const s = this.settings;
    while (!signal.aborted) {
      let delay: number;
      try {
        delay = await this.fetchOnce(signal);
      } catch (error) {
        if (signal.aborted) return;
        // A set this process cannot expand stops the partition where it is, loudly, until fixed.
        if (error instanceof UnreadableCodecError)
          s.logger.error(
            { err: error, topic: s.topic, partition: s.partition, offset: this.position.offset },
            'cannot read the messages at this offset; the partition waits here',
          );
        else s.logger.debug({ err: error, topic: s.topic, partition: s.partition }, 'fetch failed; backing off');
        delay = this.backOff();
      }
      await abortableDelay(delay, signal);
    }
  }

  private backOff(): number {
    const step = this.settings.maxDelayFetchMs / 10;
    this.emptyDelay = Math.min(this.emptyDelay + step, this.settings.maxDelayFetchMs);
    return this.emptyDelay;
  }

  /** Send a get (a waiting get where the broker offers it) for `offset`. */
  private async startFetch(offset: number, signal: AbortSignal): Promise<Fetch> {
    const s = this.settings;
    const connection = await this.connection();
    // A broker that offers the waiting get holds a caught-up fetch until new messages are
    // visible, instead of the consumer polling with growing back-off (metaq extension).
    const offered = connection.knownExtensions ?? (await connection.extensions());
    const waitMs = offered.has(WAITING_GET_EXTENSION) ? Math.min(s.fetchWaitMs, MAX_GET_WAIT_MS) : 0;
    const get = { topic: s.topic, group: s.group, partition: s.partition.index, offset, maxSize: this.maxSize };
    const started = performance.now();
    const reply = connection.request(
      (opaque) => (waitMs > 0 ? { kind: 'wget', ...get, maxWaitMs: waitMs, opaque } : { kind: 'get', ...get, opaque }),
      s.fetchTimeoutMs + waitMs,
      `get ${s.topic}-${s.partition.index}@${offset}`,
      signal,
    );
    reply.catch(() => undefined); // a prefetch may be dropped unread; whoever awaits it sees its failure
    return { offset, transport: connection, waitMs, started, reply };
  }

  /**
   * The get for the current offset: the one sent ahead while the previous batch was processed,
   * if it asked for this offset, else a new one. A prefetch for another offset (the batch
   * failed, was rolled back or was corrupt) is dropped; its reply, whenever it comes, is ignored.
   */
  private async currentFetch(signal: AbortSignal): Promise<Fetch> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead !== undefined) {
      const fetch = await ahead;
      if (fetch.offset === this.position.offset) return fetch;
    }
    return this.startFetch(this.position.offset, signal);
  }

  /** One get and the processing of its batch; returns how long to wait before the next. */
  private async fetchOnce(signal: AbortSignal): Promise<number> {
    const { offset, waitMs, started, reply: replied, transport } = await this.currentFetch(signal);
    const reply = decodeGetReply(await replied);
    const s = this.settings;
    if (fetchChannel.hasSubscribers) publishFetch({ topic: s.topic, partition: s.partition, group: s.group, offset }, reply, started);
    if (reply.kind !== 'value') {
      if (reply.kind === 'moved') {
        const movedTo = reply.offset;
        // Forward past a gap: retention deleted what this group had not read (or a filter skipped it).
        if (movedTo > this.position.offset)
          this.settings.logger.info(
            {
              topic: this.settings.topic,
              partition: this.settings.partition,
              from: this.position.offset,
              to: movedTo,
              skippedBytes: movedTo - this.position.offset,
            },
            'the broker moved this partition forward: the messages between were deleted by retention or filtered out',
          );
        this.position.moveTo(movedTo);
        this.failures = 0;
        return 0;
      }
      // After a wait the broker had nothing new: ask again at once. An immediate "nothing" backs off.
      if (reply.kind === 'caughtUp' && waitMs > 0 && performance.now() - started >= waitMs / 2) return 0;
      return this.backOff(); // caught up, or the partition is closed for now
    }
    this.emptyDelay = 0;
    // The next get goes out now, so the broker reads and sends it while this batch is processed:
    // the fetch no longer waits a round trip per batch. At most two batches are held.
    const complete = completeLength(reply.body);
    if (complete > 0) {
      this.ahead = this.startFetch(this.position.offset + complete, signal);
      this.ahead.catch(() => undefined); // its failure surfaces when it is awaited
    }
    this.shrinkFetchSize(reply.body);
    const { deliverBatch } = this.settings;
    if (deliverBatch === undefined) return deliverMessages(this, reply.body);
    try {
      return await deliverBatches(this, reply.body, deliverBatch);
    } finally {
      // Batches are views valid during their handler only: the bytes can take the next reply.
      transport.recycle?.(reply.body);
    }
  }

  /** A fetch that held no whole record: garbage, or a record bigger than the fetch size. */
  async noWholeRecord(set: Buffer): Promise<number> {
    if (this.misaligned(set)) {
      await this.recoverFromCorruption(this.position.offset);
      return 0;
    }
    // The first record does not fit: after some retries, fetch more bytes at once.
    if (++this.incompleteRetries > this.settings.maxIncreaseFetchDataRetries && this.maxSize < MAX_GROWN_SIZE) {
      this.maxSize = Math.min(MAX_GROWN_SIZE, this.maxSize * 2);
      this.incompleteRetries = 0;
    }
    return this.backOff();
  }

  /** Whole records were delivered: the fetch size fits them. */
  fitted(): void {
    this.incompleteRetries = 0;
  }

  /** A fetch far smaller than the grown fetch size shrinks it back towards the configured one. */
  private shrinkFetchSize(set: Buffer): void {
    if (set.length < this.maxSize / 2) this.maxSize = Math.max(this.settings.maxSize, Math.floor(this.maxSize / 2));
  }

  /**
   * Garbage where a record should start (a misaligned offset or damaged data): a length no
   * message can have, as MetaQ's client judges it (negative, or beyond the largest fetch).
   */
  private misaligned(set: Buffer): boolean {
    if (set.length < 4) return false;
    const length = set.readInt32BE(0);
    return length < 0 || length > Math.max(MAX_GROWN_SIZE, this.settings.maxSize);
  }

  /** A record failed its checksum: ask the broker where its segment starts and refetch (docs/protocol.md, offset). */
  async recoverFromCorruption(at: number): Promise<void> {
    const s = this.settings;
    s.logger.warn({ topic: s.topic, partition: s.partition, offset: at }, 'message failed its checksum; asking the broker for a valid offset');
    const reply = await (
      await this.connection()
    ).request(
      (opaque) => ({ kind: 'offset', topic: s.topic, group: s.group, partition: s.partition.index, offset: at, opaque }),
      s.fetchTimeoutMs,
      'offset lookup',
    );
    const valid = answeredOffset(reply);
    if (valid !== undefined) this.position.moveTo(valid);
  }
}
