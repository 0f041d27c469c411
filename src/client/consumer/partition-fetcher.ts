import type { Logger } from 'pino';
import { setImmediate } from 'node:timers/promises';
import { MAX_GET_WAIT_MS, WAITING_GET_EXTENSION } from '../../protocol/commands.js';
import { completeLength, completeRecordSize, isRecordIntact, readRecord, RECORD_HEADER_SIZE } from '../../protocol/record.js';
import { compressedBatch, messagesOf } from './record-messages.js';
import { MessageBatch } from './message-batch.js';
import { checksum } from '../../common/checksum.js';
import { isCompressedSet, UnreadableCodecError } from '../../protocol/compressed-set.js';
import { Status } from '../../protocol/status.js';
import type { Partition, ReceivedMessage } from '../message.js';
import type { Reply } from '../transport/broker-connection.js';
import type { BrokerTransport } from '../transport/broker-transport.js';
import { abortableDelay } from '../../common/abortable-delay.js';
import type { DuplicateCache } from './duplicate-cache.js';
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

/** Processed bytes of a batch between turns given back to the event loop. */
const YIELD_EVERY_BYTES = 128 * 1024;

/** The largest fetch size the adaptive growth goes to (MetaQ stops near 2 MB). */
const MAX_GROWN_SIZE = 2 * 1024 * 1024;

/**
 * The fetch loop of one partition (docs/client.md, Consumer): get, process in order, advance, back off when there is
 * nothing new. While a batch is processed the get for the offset after it is already out (MetaQ
 * waits for the batch first), so a slow listener holds at most two batches in memory.
 */
export class PartitionFetcher {
  /** Where this partition's reading stands: what the consumer commits, acks, rolls back and seeks. */
  readonly position: PartitionPosition;
  private maxSize: number;
  private retries = 0;
  private incompleteRetries = 0;
  private emptyDelay = 0;
  /** The get sent ahead for the offset after the batch being processed. */
  private ahead: Promise<Fetch> | undefined;

  constructor(
    private readonly settings: FetcherSettings,
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
        if (error instanceof UnreadableCodecError) s.logger.error({ err: error, topic: s.topic, partition: s.partition, offset: this.position.offset }, 'cannot read the messages at this offset; the partition waits here');
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
    const { waitMs, started, reply: replied, transport } = await this.currentFetch(signal);
    const reply = await replied;
    if (reply.kind === 'result') {
      if (reply.code === Status.moved) {
        const movedTo = Number(reply.body.toString());
        // Forward past a gap: retention deleted what this group had not read (or a filter skipped it).
        if (movedTo > this.position.offset) this.settings.logger.info({ topic: this.settings.topic, partition: this.settings.partition, from: this.position.offset, to: movedTo, skippedBytes: movedTo - this.position.offset }, 'the broker moved this partition forward: the messages between were deleted by retention or filtered out');
        this.position.moveTo(movedTo);
        this.retries = 0;
        return 0;
      }
      // After a wait the broker had nothing new: ask again at once. An immediate "nothing" backs off.
      if (reply.code === Status.notFound && waitMs > 0 && performance.now() - started >= waitMs / 2) return 0;
      if (reply.code === Status.notFound || reply.code === Status.forbidden) return this.backOff();
      throw new Error(`get answered ${reply.code}: ${reply.body.toString()}`);
    }
    this.emptyDelay = 0;
    // The next get goes out now, so the broker reads and sends it while this batch is processed:
    // the fetch no longer waits a round trip per batch. At most two batches are held.
    const complete = completeLength(reply.body);
    if (complete > 0) {
      this.ahead = this.startFetch(this.position.offset + complete, signal);
      this.ahead.catch(() => undefined); // its failure surfaces when it is awaited
    }
    const { deliverBatch } = this.settings;
    if (deliverBatch === undefined) return this.process(reply.body);
    try {
      return await this.processBatches(reply.body, deliverBatch);
    } finally {
      // Batches are views valid during their handler only: the bytes can take the next reply.
      transport.recycle?.(reply.body);
    }
  }

  /** A fetch that held no whole record: garbage, or a record bigger than the fetch size. */
  private async noWholeRecord(set: Buffer): Promise<number> {
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

  /** A fetch far smaller than the grown fetch size shrinks it back towards the configured one. */
  private shrinkFetchSize(set: Buffer): void {
    if (set.length < this.maxSize / 2) this.maxSize = Math.max(this.settings.maxSize, Math.floor(this.maxSize / 2));
  }

  /**
   * Batch mode (`runBatches`): the fetched records go to the handler as MessageBatch views of at
   * most YIELD_EVERY_BYTES each (a compressed set alone), checked but with no object per
   * message. A batch the handler fails is fetched and handed over again, whole, after a back-off.
   */
  private async processBatches(set: Buffer, deliver: (batch: MessageBatch) => Promise<void> | void): Promise<number> {
    const s = this.settings;
    this.shrinkFetchSize(set);
    const base = this.position.offset;
    const moves = this.position.moves;
    let pos = 0;
    for (;;) {
      if (pos > 0) {
        await setImmediate(); // the socket reads the prefetched reply meanwhile
        if (this.position.moves !== moves) return 0; // sought elsewhere meanwhile
      }
      const from = pos;
      const starts: number[] = [];
      let size = completeRecordSize(set, pos);
      for (; size > 0 && (starts.length === 0 || pos + size - from <= YIELD_EVERY_BYTES) && !isCompressedSet(set.readInt32BE(pos + 16)); size = completeRecordSize(set, pos)) {
        if (checksum(set.subarray(pos + RECORD_HEADER_SIZE, pos + size)) !== set.readInt32BE(pos + 4)) break;
        starts.push(pos);
        pos += size;
      }
      let batch: MessageBatch | undefined;
      if (starts.length > 0) batch = new MessageBatch(s.topic, s.partition, set, starts, base, undefined);
      else if (size > 0 && isCompressedSet(set.readInt32BE(pos + 16))) {
        batch = compressedBatch(readRecord(set, pos, size), s.topic, s.partition, base + pos);
        if (batch !== undefined) pos += size;
      }
      if (batch === undefined) {
        if (size > 0) {
          await this.recoverFromCorruption(base + pos); // a record failed its checksum
          return 0;
        }
        return pos === 0 ? this.noWholeRecord(set) : 0;
      }
      try {
        await deliver(batch);
      } catch (error) {
        this.retries += 1;
        s.logger.warn({ err: error, topic: s.topic, partition: s.partition, offset: batch.offset(0), retries: this.retries }, 'batch handler failed; the batch is handed over again');
        return (s.maxDelayFetchMs / 10) * Math.min(this.retries, 10);
      }
      this.retries = 0;
      this.incompleteRetries = 0;
      if (this.position.moves !== moves) return 0; // a seek during the handler: fetch from where it points
      this.position.lastMsgId = batch.id(batch.length - 1);
      this.position.moveTo(base + pos);
    }
  }

  private async process(set: Buffer): Promise<number> {
    const s = this.settings;
    this.shrinkFetchSize(set);
    // Positions advance message by message, so a commit never lags a whole batch behind.
    const base = this.position.offset;
    const moves = this.position.moves;
    let consumed = 0;
    let failure: { message: ReceivedMessage; size: number; error: unknown; index: number; of: number } | undefined;
    let nextYield = YIELD_EVERY_BYTES;
    for (let pos = 0, size = completeRecordSize(set, 0); size > 0; pos += size, size = completeRecordSize(set, pos)) {
      const record = readRecord(set, pos, size);
      if (record.position >= nextYield) {
        // Let the socket hand over the prefetched batch meanwhile: a synchronous listener would
        // otherwise keep the event loop until the whole batch is done, and the broker's reply
        // would wait in a full socket buffer.
        await setImmediate();
        if (this.position.moves !== moves) return 0; // sought elsewhere meanwhile
        nextYield = record.position + YIELD_EVERY_BYTES;
      }
      const offset = base + record.position;
      const messages = isRecordIntact(record) ? messagesOf(record, s.topic, s.partition, offset) : undefined;
      if (messages === undefined) {
        await this.recoverFromCorruption(offset);
        return 0;
      }
      // In manual-ack mode a rollback must redeliver, so the duplicate cache stays out of it.
      if (s.manualAck || !s.duplicates.has(offset)) {
        // Messages of a compressed set done before a failure are not delivered again.
        const start = this.position.doneInRecord?.offset === offset ? this.position.doneInRecord.count : 0;
        for (let n = start; n < messages.length && failure === undefined; n += 1) {
          const message = messages[n]!;
          if (s.filter !== undefined && !safeFilter(s.filter, message)) continue;
          try {
            const pending = s.deliver(message);
            if (pending !== undefined) await pending; // a synchronous listener costs no extra tick
          } catch (error) {
            // Handed over at once (retry topics): the rest of the batch goes on without a refetch.
            if (s.maxFetchRetries === 0 && s.reject !== undefined && (await rejected(s.reject, message, error))) continue;
            failure = { message, size: record.size, error, index: n, of: messages.length };
            this.position.doneInRecord = n > 0 ? { offset, count: n } : undefined;
          }
        }
        if (failure !== undefined) break;
        this.position.doneInRecord = undefined;
        if (!s.manualAck) s.duplicates.add(offset);
      }
      if (this.position.moves !== moves) return 0; // a rollback or a seek: refetch from the position it set
      consumed = record.position + record.size;
      this.position.lastMsgId = record.id;
      this.position.moveTo(base + consumed);
    }
    if (consumed === 0 && failure === undefined) return this.noWholeRecord(set);
    this.incompleteRetries = 0;
    if (failure === undefined) {
      this.retries = 0;
      return 0;
    }
    if (consumed > 0) this.retries = 0;
    else this.retries += 1;
    if (s.reject !== undefined && this.retries > s.maxFetchRetries) {
      await s.reject(failure.message, failure.error);
      if (failure.index + 1 < failure.of) this.position.doneInRecord = { offset: failure.message.offset, count: failure.index + 1 };
      else this.position.moveTo(failure.message.offset + failure.size);
      this.retries = 0;
      return 0;
    }
    return (s.maxDelayFetchMs / 10) * this.retries;
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
  private async recoverFromCorruption(at: number): Promise<void> {
    const s = this.settings;
    s.logger.warn({ topic: s.topic, partition: s.partition, offset: at }, 'message failed its checksum; asking the broker for a valid offset');
    const reply = await (await this.connection()).request(
      (opaque) => ({ kind: 'offset', topic: s.topic, group: s.group, partition: s.partition.index, offset: at, opaque }),
      s.fetchTimeoutMs,
      'offset lookup',
    );
    if (reply.kind === 'result' && reply.code === Status.success) this.position.moveTo(Number(reply.body.toString()));
  }
}

function safeFilter(filter: (message: ReceivedMessage) => boolean, message: ReceivedMessage): boolean {
  try {
    return filter(message);
  } catch {
    return false; // MetaQ: a filter that throws does not accept the message
  }
}

/** Whether `reject` took a failed message (a reject that throws leaves it to the usual retries). */
async function rejected(reject: (message: ReceivedMessage, error: unknown) => Promise<void>, message: ReceivedMessage, error: unknown): Promise<boolean> {
  try {
    await reject(message, error);
    return true;
  } catch {
    return false;
  }
}
