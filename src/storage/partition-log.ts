import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { StorageCodes, StorageError } from '../common/errors.js';
import { RECORD_HEADER_SIZE } from '../protocol/record.js';
import { FlushPolicy } from './flush-policy.js';
import type { SetAdmission } from './idempotent-sets.js';
import type { FileIO } from './io/file-io.js';
import { offsetsForKey } from './key-lookup.js';
import type { LogAppend } from './log-append.js';
import type { Listenable, PartitionLogEvents } from './log-events.js';
import { ListenerSource } from './log-events.js';
import type { RecoveryReport } from './log-recovery.js';
import { openSegments } from './log-recovery.js';
import { LogWriter } from './log-writer.js';
import type { PartitionStore } from './partition-store.js';
import { ProducerState } from './producer-state.js';
import { RecoveryPointWriter, writeRecoveryPoint } from './recovery-point.js';
import type { CorruptRange, CorruptRangeFound } from './segment.js';
import { SegmentList } from './segment-list.js';
import type { StorageTimings } from './storage-timings.js';
import type { PartitionTail } from './tail-cache.js';
import { offsetForTime } from './time-lookup.js';

export type { AppendCallback, BatchRecord, LogAppend } from './log-append.js';

export interface PartitionLogOptions {
  dir: string;
  io: FileIO;
  logger: Logger;
  clock?: Clock;
  /** Messages appended before a flush; `<= 0` selects group commit (docs/storage.md, flush). */
  unflushThreshold: number;
  /** Milliseconds between flushes in normal mode. */
  unflushInterval: number;
  maxSegmentSize: number;
  /** Start offset of a partition created empty (async slaves start at the master's offset). */
  offsetIfCreate?: number;
  /** Told how long writes and fsyncs take (latency metrics). */
  timings?: StorageTimings;
  /** Keeps the newest written bytes in memory for reads at the end of the log. */
  tail?: PartitionTail;
  /** Index each record's attribute as its key (lookups by key). */
  keyIndex?: boolean;
  /** About how often the recovery point is rewritten after flushes (default 60 s). */
  recoveryPointIntervalMs?: number;
}

/** A framed set at least this large starts a write as soon as it is queued, if none is running. */
const WRITE_AT_ONCE_BYTES = 64 * 1024;

/**
 * One topic-partition: a contiguous list of segments holding records exactly as on the wire.
 * It composes the segments, the writer with its write queue, the flush policy and the producer
 * state, and answers reads and lookups. Consumers see data up to the flushed end
 * (docs/protocol.md, get). A failed write or fsync fails every waiting append and fences the log.
 */
export class PartitionLog implements PartitionStore {
  readonly dir: string;
  readonly recovery: RecoveryReport;
  private readonly logger: Logger;
  private readonly tail: PartitionTail | undefined;
  private readonly keyIndex: boolean;
  private readonly eventSource = new ListenerSource<PartitionLogEvents>();
  private readonly flushes: FlushPolicy;
  private readonly writer: LogWriter;
  private readonly point: RecoveryPointWriter;
  private closed = false;
  private readonly corruptFound: CorruptRangeFound = (range) => {
    this.logger.error({ partition: this.dir, ...range }, 'records fail their checksum; range refused');
    for (const listener of this.eventSource.listeners('corrupt')) listener(range);
  };
  private readonly idAt = (offset: number): Promise<bigint | undefined> => this.idAtOffset(offset);

  private constructor(
    options: PartitionLogOptions,
    private readonly segments: SegmentList,
    private readonly producers: ProducerState,
    messageCount: number,
    recovery: RecoveryReport,
    cleanPointOnDisk: boolean,
  ) {
    const clock = options.clock ?? systemClock;
    this.dir = options.dir;
    this.logger = options.logger;
    this.tail = options.tail;
    this.keyIndex = options.keyIndex === true;
    this.recovery = recovery;
    this.point = new RecoveryPointWriter(options.io, options.dir, options.logger, clock, cleanPointOnDisk, options.recoveryPointIntervalMs);
    const target = {
      writtenEnd: () => segments.active.end,
      sync: () => this.writer.syncActive(),
      fence: (error: unknown, during: string) => this.writer.fence(error, during),
    };
    this.flushes = new FlushPolicy(target, this.point, clock, segments.active.end, options.unflushThreshold, options.unflushInterval);
    this.writer = new LogWriter(
      {
        dir: options.dir,
        io: options.io,
        logger: options.logger,
        segments,
        flushes: this.flushes,
        producers,
        events: this.eventSource,
        maxSegmentSize: options.maxSegmentSize,
        keyIndex: this.keyIndex,
        timings: options.timings,
        tail: options.tail,
      },
      messageCount,
    );
  }

  /** Open a partition directory, creating it if needed, and recover its last segment (docs/storage.md, recovery). */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const started = performance.now();
    const { io, dir, logger } = options;
    const { segments, recovery, messageCount, point, created } = await openSegments(io, dir, logger, options.offsetIfCreate ?? 0);
    const end = segments[segments.length - 1]!.end;
    const producers = await ProducerState.open(io, dir, end, options.clock ?? systemClock, created);
    recovery.millis = performance.now() - started;
    // From now on a crash is unclean until close() says otherwise. After a clean stop the point
    // already holds the end: it is rewritten by the first flush instead, so that thousands of
    // partitions start without two fsyncs each (a crash before that flush is reported as clean).
    const pointHoldsEnd = point?.flushedOffset === end;
    // An empty partition without a point recovers as one whose point is its start, so a new
    // partition skips the two fsyncs (a burst to 10,000 new partitions timed out on them).
    const emptyWithoutPoint = point === undefined && segments.length === 1 && segments[0]!.size === 0;
    if (!pointHoldsEnd && !emptyWithoutPoint) await writeRecoveryPoint(io, dir, { flushedOffset: end, cleanShutdown: false });
    return new PartitionLog(options, new SegmentList(segments), producers, messageCount, recovery, pointHoldsEnd && point.cleanShutdown);
  }

  /** Writes, corrupt ranges found (see PartitionLogEvents). */
  get events(): Listenable<PartitionLogEvents> {
    return this.eventSource;
  }

  /** Set when a write or fsync failed: the log refuses appends until restart. */
  get fenced(): StorageError | undefined {
    return this.writer.fenced;
  }

  /** Records in the last segment at load plus appends since: MetaQ's message_count. */
  get messageCount(): number {
    return this.writer.messageCount;
  }

  get minOffset(): number {
    return this.segments.first.start;
  }

  /** End of everything written, flushed or not. */
  get writtenEnd(): number {
    return this.segments.active.end;
  }

  /** End of what consumers may start reading from: the flushed end (docs/protocol.md, get). */
  get visibleEnd(): number {
    return this.flushes.flushedEnd;
  }

  get sizeInBytes(): number {
    return this.writtenEnd - this.minOffset;
  }

  /** Number of idempotent producers this partition remembers. */
  get idempotentProducers(): number {
    return this.producers.producerCount;
  }

  /**
   * Queue an append (see LogAppend for its kinds). Its `done` runs once it is written, and
   * fsynced in group-commit mode; at once with the error when the log is fenced or closed.
   */
  append(entry: LogAppend): void {
    const refusal = this.writer.fenced ?? (this.closed ? new StorageError(StorageCodes.closed, `partition log ${this.dir} is closed`) : undefined);
    if (refusal !== undefined) {
      entry.done(refusal, -1);
      return;
    }
    const queue = this.writer.queue;
    switch (entry.kind) {
      case 'record':
        queue.add(entry);
        return;
      case 'framed':
        if (entry.set.length >= WRITE_AT_ONCE_BYTES) queue.addNow(entry);
        else queue.add(entry);
        return;
      case 'batch':
        if (entry.records.length === 0) entry.done(undefined, this.writtenEnd);
        else queue.add(entry);
        return;
      case 'idempotent':
        queue.add(this.producers.begin(entry));
    }
  }

  /**
   * Whether set `sequence` of idempotent producer `producerId` is new, a retry to answer with
   * the original outcome, or refused (see ProducerState.admit).
   */
  admitSet(producerId: string, sequence: number, records: number, bytes: number): SetAdmission {
    return this.producers.admit(producerId, sequence, records, bytes, this.idAt);
  }

  /** The id of the record at `offset`, if one starts there. */
  private async idAtOffset(offset: number): Promise<bigint | undefined> {
    if (offset < this.minOffset || offset + RECORD_HEADER_SIZE > this.writtenEnd) return undefined;
    const header = await this.read(offset, RECORD_HEADER_SIZE).catch(() => Buffer.alloc(0));
    return header.length === RECORD_HEADER_SIZE ? header.readBigInt64BE(8) : undefined;
  }

  /** Resolves once every append queued so far has been written (or failed). */
  whenWritten(): Promise<void> {
    return this.writer.queue.whenWritten();
  }

  /** fsync what is written and advance the visible end. Concurrent calls share one loop. */
  flush(): Promise<void> {
    return this.flushes.flush();
  }

  /** Change the flush policy of an open log (a topic reload); what was written is flushed first. */
  setFlushPolicy(unflushThreshold: number, unflushInterval: number): Promise<void> {
    return this.flushes.change(unflushThreshold, unflushInterval);
  }

  /**
   * Call `wake` once the visible end passes `offset`, or after `timeoutMs`, or at close: for
   * consumers waiting at the end of the log. Returns a function that cancels the wait.
   */
  whenFlushedPast(offset: number, timeoutMs: number, wake: () => void): () => void {
    return this.flushes.whenFlushedPast(offset, timeoutMs, wake);
  }

  /**
   * Up to `maxBytes` from `offset`, never crossing a segment end (docs/protocol.md, get).
   * Records are checked against their checksums the first time they are served; a corrupt range
   * is refused with a StorageError and a read that reaches one is cut short before it. `into`,
   * at least `maxBytes` long, is where the bytes go (a reused buffer), from the file or the tail cache.
   */
  async read(offset: number, maxBytes: number, into?: Buffer): Promise<Buffer> {
    const segment = this.segments.holding(offset);
    const length = Math.min(maxBytes, segment.end - offset);
    if (length <= 0) return Buffer.alloc(0);
    // Written by this process and checked when it arrived: no verification, no file read.
    const cached = this.tail?.read(offset, length, into);
    if (cached !== undefined) return cached;
    return segment.read(offset, length, into, this.corruptFound);
  }

  /**
   * The offset of the first message appended at or after `timeMs` (ms since 1970); the written
   * end when there is none (see `offsetForTime` in time-lookup.ts).
   */
  offsetForTime(timeMs: number): Promise<number> {
    return offsetForTime(this.segments.all, timeMs, this.writtenEnd);
  }

  /**
   * Offsets of the visible messages whose key (attribute) is `key`, oldest first, the newest
   * `limit` of them; empty where the topic does not index keys. Compressed sets are not looked in.
   */
  async offsetsForKey(key: string, limit: number): Promise<number[]> {
    if (!this.keyIndex) return [];
    return offsetsForKey([...this.segments.all], key, limit, this.visibleEnd);
  }

  /** Start offset of the segment holding `offset`, clamped to the log (the `offset` command, docs/protocol.md). */
  segmentStartFor(offset: number): number {
    if (offset < this.minOffset) return this.minOffset;
    if (offset >= this.writtenEnd) return this.visibleEnd;
    return this.segments.holding(offset).start;
  }

  /**
   * Put a replica's copy of a corrupt range in place (docs/testing.md, K4): the bytes must be
   * whole records that pass their checksums and fill the range exactly.
   */
  repair(range: CorruptRange, bytes: Buffer): Promise<void> {
    return this.segments.holding(range.start).repair(range, bytes);
  }

  /** Every corrupt range found so far. */
  get corruptRanges(): CorruptRange[] {
    return this.segments.corruptRanges();
  }

  /** Sealed segments, oldest first (retention candidates; the active segment never is one). */
  sealedSegments(): Array<{ start: number; path: string }> {
    return this.segments.sealed();
  }

  /** Drop the oldest segment from the log (its file is already removed or archived). */
  dropOldestSegment(start: number): Promise<void> {
    return this.segments.dropOldest(start, this.dir);
  }

  /**
   * Cut the log back to `offset`, for transaction recovery only (before the broker serves): a
   * committed batch torn by a power loss is removed so it can be appended again whole. Only the
   * active segment can be cut, and only while nothing is queued.
   */
  async truncateTail(offset: number): Promise<void> {
    const segment = this.segments.active;
    if (offset < segment.start || offset > segment.end || this.writer.queue.length > 0 || this.writer.queue.busy) {
      throw new StorageError(
        StorageCodes.failed,
        `cannot cut ${this.dir} back to ${offset}: only the tail of the active segment (${segment.start}..${segment.end}) can be cut before serving`,
      );
    }
    this.tail?.clear();
    this.writer.forget(await segment.truncate(offset));
    await this.flushes.cutTo(offset);
  }

  /** Flush, record a clean shutdown, and close every segment. Pending appends finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushes.stop();
    // Appends are refused from now on; let the queued ones finish.
    await this.writer.queue.whenIdle();
    if (this.writer.fenced === undefined) {
      await this.flushes.flush().catch(() => undefined);
      await this.point.settled();
      if (this.writer.fenced === undefined) await this.point.closeClean(this.visibleEnd, this.writtenEnd);
    }
    this.tail?.clear();
    await Promise.all([this.segments.releaseAll(), this.producers.close()]);
  }
}
