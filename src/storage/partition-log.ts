import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { StorageCodes, StorageError } from '../common/errors.js';
import { iterateRecords, RECORD_HEADER_SIZE, validRecordSize, writeRecordHeader } from '../protocol/record.js';
import type { FileIO } from './io/file-io.js';
import { writeRecoveryPoint } from './recovery-point.js';
import type { RecoveryReport } from './log-recovery.js';
import { openSegments } from './log-recovery.js';
import { findNextIntactRecord, scanRecords } from './record-scanner.js';
import type { CorruptRange } from './segment.js';
import { Segment } from './segment.js';
import type { PartitionTail } from './tail-cache.js';
import { offsetsForKey } from './key-lookup.js';
import { offsetForTime } from './time-lookup.js';
import { idTimeMs } from '../common/id-generator.js';
import type { StorageTimings } from './storage-timings.js';
import { segmentFileName } from './segment-name.js';
import type { SetAdmission, SetOutcome, SetState } from './idempotent-sets.js';
import { IdempotentSets } from './idempotent-sets.js';
import type { StoredSet } from './producer-journal.js';
import { ProducerJournal } from './producer-journal.js';

export interface PartitionLogOptions {
  dir: string;
  io: FileIO;
  logger: Logger;
  clock?: Clock;
  /** Messages appended before a flush; `<= 0` selects group commit (§2.5). */
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
}

/** Called once per append: an error, or the absolute offset where the record starts. */
export type AppendCallback = (error: StorageError | undefined, offset: number) => void;

interface PendingAppend {
  payload: Buffer;
  flag: number;
  id: bigint;
  checksum: number;
  done: AppendCallback;
  /** Entries after this one that must go out in the same write (a transaction's batch). */
  follow: number;
  /** Set when `payload` is already whole records (a batched put): how many it holds. */
  framedRecords?: number;
  /** For framed records: when the last of them was appended, if the caller knows (time index). */
  latestTimeMs?: number;
  /** An idempotent producer's set: journaled before it is written. */
  producerSet?: { state: SetState; stored: StoredSet };
  /** Told once nothing of the log reads `payload` any more (written and copied where needed). */
  release?: () => void;
}

/** Bytes an entry takes in the log. */
function entrySize(entry: PendingAppend): number {
  return entry.framedRecords === undefined ? RECORD_HEADER_SIZE + entry.payload.length : entry.payload.length;
}

/** One record of a batch appended as a unit. */
export interface BatchRecord {
  payload: Buffer;
  flag: number;
  id: bigint;
  checksum: number;
}

/** Largest single write; bigger backlogs go out in several writes. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** A framed set at least this large starts a write as soon as it is queued, if none is running. */
const WRITE_AT_ONCE_BYTES = 64 * 1024;
/** The recovery point is rewritten at most this often (it costs two fsyncs). */
const RECOVERY_POINT_INTERVAL_MS = 1000;
/** An idempotent producer idle this long is forgotten when the producer journal is compacted (Kafka: a day). */
const PRODUCER_EXPIRY_MS = 24 * 60 * 60 * 1000;

/** What a log keeps for idempotent producers: who stored which sets, in memory and on disk. */
interface ProducerRecords {
  sets: IdempotentSets;
  journal: ProducerJournal;
}

/**
 * One topic-partition: a contiguous list of segments holding records exactly as on the wire.
 *
 * Appends that arrive in one event-loop turn go out as one write. In normal mode a put is
 * acknowledged once written, and an fsync follows when more than `unflushThreshold` messages or
 * `unflushInterval` ms have passed. In group-commit mode a put is acknowledged only after the
 * fsync covering it, one fsync serving every record of the batch. Consumers see data up to the
 * flushed end (§1.8). A failed write or fsync fails every waiting put and fences the log.
 */
export class PartitionLog {
  readonly dir: string;
  private readonly io: FileIO;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly options: PartitionLogOptions;
  private readonly segments: Segment[];
  private flushedEnd: number;
  private queue: PendingAppend[] = [];
  /** The running write loop, if any. */
  private writeLoop: Promise<void> | undefined;
  private scheduled = false;
  private unflushed = 0;
  /** Consumers waiting at the end of the log for the next flush (`whenFlushedPast`). */
  private readonly flushWaiters = new Set<{ offset: number; wake: () => void }>();
  private lastFlushAt: number;
  private flushWanted = false;
  private flushLoop: Promise<void> | undefined;
  private recoveryPointWrite: Promise<void> | undefined;
  private lastRecoveryPointAt = -Infinity;
  /** The recovery point on disk says a clean stop at the flushed end, and nothing changed since. */
  private cleanPointOnDisk = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Set when a write or fsync failed: the log refuses appends until restart. */
  fenced: StorageError | undefined;
  /**
   * Told of every write as soon as it is in the file (before any fsync), with the bytes exactly
   * as written at absolute offset `start`. A sync master streams them to its slave from here.
   */
  onWritten: ((start: number, bytes: Buffer) => void) | undefined;
  /** Told of every write after `onWritten`, the same way: message tracing follows stored messages here. */
  onTraced: ((start: number, bytes: Buffer) => void) | undefined;
  /** Told of each corrupt range found while serving reads; a sync master repairs it from its slave. */
  onCorrupt: ((range: CorruptRange) => void) | undefined;
  /** Records in the last segment at load plus appends since: MetaQ's message_count. */
  messageCount: number;
  readonly recovery: RecoveryReport;

  private readonly producers: ProducerRecords;

  private constructor(options: PartitionLogOptions, segments: Segment[], flushedEnd: number, messageCount: number, recovery: RecoveryReport, producers: ProducerRecords) {
    this.options = { ...options };
    this.dir = options.dir;
    this.io = options.io;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.segments = segments;
    this.flushedEnd = flushedEnd;
    this.messageCount = messageCount;
    this.recovery = recovery;
    this.producers = producers;
    this.lastFlushAt = this.clock.monotonicMs();
    this.scheduleFlushes();
  }

  private scheduleFlushes(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.groupCommit || this.options.unflushInterval <= 0) return;
    this.timer = setInterval(() => {
      if (this.unflushed > 0) this.flush().catch(() => undefined); // failure already fenced and logged
    }, this.options.unflushInterval);
    this.timer.unref();
  }

  /**
   * Change the flush policy of an open log (a topic reload, §4.3). What was written under the
   * old policy is flushed first, so switching to group commit never leaves acked data unflushed.
   */
  async setFlushPolicy(unflushThreshold: number, unflushInterval: number): Promise<void> {
    if (unflushThreshold === this.options.unflushThreshold && unflushInterval === this.options.unflushInterval) return;
    await this.flush();
    this.options.unflushThreshold = unflushThreshold;
    this.options.unflushInterval = unflushInterval;
    this.scheduleFlushes();
  }

  get groupCommit(): boolean {
    return this.options.unflushThreshold <= 0;
  }

  get minOffset(): number {
    return this.segments[0]!.start;
  }

  /** End of everything written, flushed or not. */
  get writtenEnd(): number {
    return this.active.end;
  }

  /** End of what consumers may start reading from: the flushed end (§1.8). */
  get visibleEnd(): number {
    return this.flushedEnd;
  }

  get sizeInBytes(): number {
    return this.writtenEnd - this.minOffset;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Open a partition directory, creating it if needed, and recover its last segment (§2.8). */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const started = performance.now();
    const { io, dir, logger } = options;
    const { segments, recovery, messageCount, point } = await openSegments(io, dir, logger, options.offsetIfCreate ?? 0);
    const last = segments[segments.length - 1]!;
    const { journal, sets } = await ProducerJournal.open(io, dir);
    // An entry for a set past the recovered end was journaled, but the set never made it whole.
    const kept = sets.filter((set) => set.offset + set.bytes <= last.end);
    const producers = { sets: new IdempotentSets(kept, (options.clock ?? systemClock).monotonicMs()), journal };
    recovery.millis = performance.now() - started;
    const log = new PartitionLog(options, segments, last.end, messageCount, recovery, producers);
    // From now on a crash is unclean until close() says otherwise. After a clean stop the point
    // already holds the end: it is rewritten by the first flush instead, so that thousands of
    // partitions start without two fsyncs each (a crash before that flush is reported as clean).
    if (point?.flushedOffset !== last.end) await writeRecoveryPoint(io, dir, { flushedOffset: last.end, cleanShutdown: false });
    else log.cleanPointOnDisk = point.cleanShutdown;
    return log;
  }

  /** Queue one record. `done` runs once it is written (and fsynced, in group-commit mode). */
  append(payload: Buffer, flag: number, id: bigint, checksum: number, done: AppendCallback): void {
    const refusal = this.fenced ?? (this.closed ? new StorageError(StorageCodes.closed, `partition log ${this.dir} is closed`) : undefined);
    if (refusal !== undefined) {
      done(refusal, -1);
      return;
    }
    this.queue.push({ payload, flag, id, checksum, done, follow: 0 });
    this.scheduleWrite();
  }

  /**
   * Queue records to be written contiguously in one write, so they become visible together
   * (with one fsync in group-commit mode) and never interleave with other appends. `done` gets
   * the offset of the first record once all are written.
   */
  appendBatch(records: readonly BatchRecord[], done: AppendCallback): void {
    const refusal = this.fenced ?? (this.closed ? new StorageError(StorageCodes.closed, `partition log ${this.dir} is closed`) : undefined);
    if (refusal !== undefined || records.length === 0) {
      done(refusal, refusal === undefined ? this.writtenEnd : -1);
      return;
    }
    let first = -1;
    let failed = false;
    records.forEach((record, i) => {
      const entryDone: AppendCallback = (error, offset) => {
        if (failed) return;
        if (error !== undefined) {
          failed = true; // a failed write fails every entry; `done` hears it once
          done(error, -1);
          return;
        }
        if (i === 0) first = offset;
        if (i === records.length - 1) done(undefined, first);
      };
      this.queue.push({ ...record, follow: i === 0 ? records.length - 1 : 0, done: entryDone });
    });
    this.scheduleWrite();
  }

  /**
   * Queue a message set that is already in the log's record format (checksums verified, ids
   * assigned by the caller): written as it is, in one piece, with no per-record work. `done` gets
   * the offset of its first record. `release` hears when the log no longer reads `set` (after a
   * successful write; never while a slave's stream may still be sending views of it), so its
   * buffer can be reused.
   */
  appendFramed(set: Buffer, records: number, done: AppendCallback, latestTimeMs?: number, release?: () => void): void {
    const refusal = this.fenced ?? (this.closed ? new StorageError(StorageCodes.closed, `partition log ${this.dir} is closed`) : undefined);
    if (refusal !== undefined) {
      done(refusal, -1);
      return;
    }
    this.queue.push({ payload: set, flag: 0, id: 0n, checksum: 0, done, follow: 0, framedRecords: records, latestTimeMs, release });
    // A large set is written at once: waiting for the turn's end would hold it behind every
    // set still being read from the socket in this turn.
    if (set.length >= WRITE_AT_ONCE_BYTES) this.startWriting();
    else this.scheduleWrite();
  }

  /**
   * Whether set `sequence` of idempotent producer `producerId` is new, a retry to answer with
   * the original outcome, or refused. A retry of a set known only from the journal is checked
   * against the log first: if the set is not there (its write failed before a restart), the
   * outcome is a failure, and the caller stores it after all.
   */
  admitSet(producerId: string, sequence: number, records: number, bytes: number): SetAdmission {
    const admission = this.producers.sets.admit(producerId, sequence, records, bytes, this.clock.monotonicMs());
    if (admission.kind !== 'retry' || admission.recovered === undefined) return admission;
    const claimed = admission.recovered;
    const outcome = (listener: (outcome: SetOutcome) => void): void => {
      this.idAt(claimed.offset).then(
        (id) => {
          if (id === claimed.firstId) listener({ stored: claimed });
          else {
            this.producers.sets.forget(producerId, sequence);
            listener({ failed: new StorageError(StorageCodes.failed, `set ${sequence} of producer ${producerId} is not in the log`) });
          }
        },
        (error: unknown) => listener({ failed: error instanceof Error ? error : new Error(String(error)) }),
      );
    };
    return { kind: 'retry', outcome, recovered: claimed };
  }

  /** The id of the record at `offset`, if one starts there. */
  private async idAt(offset: number): Promise<bigint | undefined> {
    if (offset < this.minOffset || offset + RECORD_HEADER_SIZE > this.writtenEnd) return undefined;
    const header = await this.read(offset, RECORD_HEADER_SIZE).catch(() => Buffer.alloc(0));
    return header.length === RECORD_HEADER_SIZE ? header.readBigInt64BE(8) : undefined;
  }

  /**
   * appendFramed for set `sequence` of an idempotent producer (admitted by admitSet): its entry
   * in the producer journal is written before the set, and retries wait for its outcome.
   */
  appendIdempotent(set: Buffer, records: number, producer: { id: string; sequence: number; firstId: bigint }, done: AppendCallback, latestTimeMs?: number): void {
    const refusal = this.fenced ?? (this.closed ? new StorageError(StorageCodes.closed, `partition log ${this.dir} is closed`) : undefined);
    if (refusal !== undefined) {
      done(refusal, -1);
      return;
    }
    const state = this.producers.sets.begin(producer.id, producer.sequence, records, set.length, this.clock.monotonicMs());
    const stored: StoredSet = { producerId: producer.id, sequence: producer.sequence, records, bytes: set.length, offset: -1, firstId: producer.firstId };
    const settled: AppendCallback = (error, offset) => {
      this.producers.sets.settle(state, error === undefined ? { stored } : { failed: error });
      done(error, offset);
    };
    this.queue.push({ payload: set, flag: 0, id: 0n, checksum: 0, done: settled, follow: 0, framedRecords: records, latestTimeMs, producerSet: { state, stored } });
    this.scheduleWrite();
  }

  /** Number of idempotent producers this partition remembers. */
  get idempotentProducers(): number {
    return this.producers.sets.producerCount;
  }

  /**
   * Journal the idempotent sets of a batch about to be written (offsets known by now). Nothing
   * to journal returns no promise, so the write starts without waiting for a microtask.
   */
  private journalSets(batch: readonly PendingAppend[], offsets: readonly number[]): Promise<void> | undefined {
    const sets: StoredSet[] = [];
    for (let i = 0; i < batch.length; i += 1) {
      const entry = batch[i]!;
      if (entry.producerSet === undefined) continue;
      entry.producerSet.stored.offset = offsets[i]!;
      sets.push(entry.producerSet.stored);
    }
    if (sets.length === 0) return undefined;
    const { journal } = this.producers;
    const compacted = journal.needsCompaction ? journal.rewrite(this.producers.sets.live(this.clock.monotonicMs() - PRODUCER_EXPIRY_MS)) : Promise.resolve();
    return compacted.then(() => journal.append(sets));
  }

  private scheduleWrite(): void {
    if (this.writeLoop === undefined && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.startWriting();
      });
    }
  }

  /** Resolves once every append queued so far has been written (or failed). */
  async whenWritten(): Promise<void> {
    while (this.scheduled || this.writeLoop !== undefined || this.queue.length > 0) {
      await (this.writeLoop ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  /** Promise form of append (tests and tools). */
  appendAsync(payload: Buffer, flag: number, id: bigint, checksum: number): Promise<number> {
    return new Promise((resolve, reject) => this.append(payload, flag, id, checksum, (error, offset) => (error ? reject(error) : resolve(offset))));
  }

  private startWriting(): void {
    if (this.writeLoop !== undefined || this.queue.length === 0) return;
    this.writeLoop = this.writeQueued()
      .catch((error: unknown) => this.fence(error, 'write loop'))
      .finally(() => {
        this.writeLoop = undefined;
        if (this.queue.length > 0) this.startWriting();
      });
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0 && this.fenced === undefined) {
      const segment = this.active;
      const room = Math.max(1, Math.min(MAX_BATCH_BYTES, this.options.maxSegmentSize - segment.size));
      let count = 0;
      let bytes = 0;
      while (count < this.queue.length) {
        const head = this.queue[count]!;
        let size = 0;
        for (let i = count; i <= count + head.follow; i += 1) size += entrySize(this.queue[i]!);
        if (count > 0 && bytes + size > room) break;
        bytes += size;
        count += 1 + head.follow;
      }
      const batch = this.queue.length === count ? this.queue : this.queue.slice(0, count);
      this.queue = this.queue.length === count ? [] : this.queue.slice(count);
      const position = segment.size;
      // A lone framed set (a batched put) goes to disk as it arrived, without a copy.
      const lone = count === 1 && batch[0]!.framedRecords !== undefined;
      const data = lone ? batch[0]!.payload : Buffer.allocUnsafe(bytes);
      const offsets = new Array<number>(count);
      let at = 0;
      let records = 0;
      for (let i = 0; i < count; i += 1) {
        const entry = batch[i]!;
        offsets[i] = segment.start + position + at;
        if (entry.framedRecords === undefined) {
          writeRecordHeader(data, at, entry.payload.length, entry.checksum, entry.id, entry.flag);
          entry.payload.copy(data, at + RECORD_HEADER_SIZE);
          at += RECORD_HEADER_SIZE + entry.payload.length;
          records += 1;
        } else {
          if (!lone) entry.payload.copy(data, at);
          at += entry.payload.length;
          records += entry.framedRecords;
        }
      }
      const writeStarted = performance.now();
      try {
        const journaling = this.journalSets(batch, offsets);
        if (journaling !== undefined) await journaling;
        await segment.file.write(data, position);
      } catch (error) {
        await this.failedWrite(error, segment, position, batch);
        continue;
      }
      this.options.timings?.written((performance.now() - writeStarted) / 1000, bytes);
      segment.size += bytes;
      segment.verifiedEnd = segment.size;
      this.messageCount += records;
      // Entries are stamped in arrival order, so the last one was appended latest.
      const lastEntry = batch[count - 1]!;
      const latestMs = lastEntry.framedRecords === undefined ? idTimeMs(lastEntry.id) : lastEntry.latestTimeMs;
      if (latestMs !== undefined) segment.timeIndex.see(position, position + bytes, latestMs);
      if (this.options.keyIndex === true) segment.keyIndex.seeRecords(position, data);
      this.options.tail?.add(segment.start + position, data);
      this.onWritten?.(segment.start + position, data);
      this.onTraced?.(segment.start + position, data);
      // A slave's stream sends views of what was written; without one, nothing keeps the bytes.
      if (this.onWritten === undefined) for (let i = 0; i < count; i += 1) batch[i]!.release?.();
      if (this.groupCommit) {
        try {
          await this.datasync(segment);
        } catch (error) {
          this.fence(error, 'fsync');
          failAll(batch, this.fenced!);
          return;
        }
        this.markFlushed(segment.end);
        for (let i = 0; i < count; i += 1) batch[i]!.done(undefined, offsets[i]!);
      } else {
        for (let i = 0; i < count; i += 1) batch[i]!.done(undefined, offsets[i]!);
        this.unflushed += records;
        if (this.unflushed > this.options.unflushThreshold || this.clock.monotonicMs() - this.lastFlushAt > this.options.unflushInterval) {
          this.flush().catch(() => undefined); // a failure fences the log and is logged there
        }
      }
      if (segment.size >= this.options.maxSegmentSize) await this.roll();
    }
  }

  /** A write failed: cut the file back to the last whole record; ENOSPC keeps the log usable. */
  private async failedWrite(error: unknown, segment: Segment, position: number, batch: PendingAppend[]): Promise<void> {
    const code = (error as NodeJS.ErrnoException).code;
    try {
      await segment.file.truncate(position);
    } catch (truncateError) {
      this.fence(truncateError, `truncate after a failed write (${String(code)})`);
      failAll(batch, this.fenced!);
      return;
    }
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      const full = new StorageError(StorageCodes.full, `disk full writing ${segment.path}: the message was not stored; free space under ${this.dir} and retry`, { cause: error });
      this.logger.warn({ err: error, partition: this.dir }, 'disk full: puts refused until space is freed');
      failAll(batch, full);
      return;
    }
    this.fence(error, 'write');
    failAll(batch, this.fenced!);
  }

  private fence(error: unknown, during: string): void {
    if (this.fenced !== undefined) return;
    this.fenced = new StorageError(StorageCodes.failed, `storage failed during ${during} in ${this.dir}; the partition refuses writes until the broker restarts and recovers it from disk`, { cause: error });
    this.logger.error({ err: error, partition: this.dir }, 'partition fenced after an I/O error');
    const queued = this.queue;
    this.queue = [];
    failAll(queued, this.fenced);
  }

  /** fsync the active segment and advance the visible end. Concurrent calls share one loop. */
  flush(): Promise<void> {
    this.flushWanted = true;
    this.flushLoop ??= this.runFlushes().finally(() => {
      this.flushLoop = undefined;
    });
    return this.flushLoop;
  }

  private async runFlushes(): Promise<void> {
    while (this.flushWanted) {
      this.flushWanted = false;
      const segment = this.active;
      const target = segment.end;
      if (target <= this.flushedEnd) continue;
      this.unflushed = 0;
      this.lastFlushAt = this.clock.monotonicMs();
      try {
        await this.datasync(segment);
      } catch (error) {
        this.fence(error, 'fsync');
        throw this.fenced ?? error;
      }
      this.markFlushed(target);
    }
  }

  private async datasync(segment: Segment): Promise<void> {
    const started = performance.now();
    await Promise.all([segment.file.datasync(), this.producers.journal.sync()]);
    this.options.timings?.synced((performance.now() - started) / 1000);
  }

  /**
   * Call `wake` once the flushed end passes `offset`, or after `timeoutMs`, or at close: for
   * consumers waiting at the end of the log. Returns a function that cancels the wait.
   */
  whenFlushedPast(offset: number, timeoutMs: number, wake: () => void): () => void {
    if (this.flushedEnd > offset || this.closed) {
      wake();
      return () => undefined;
    }
    const cancel = (): void => {
      clearTimeout(timer);
      this.flushWaiters.delete(waiter);
    };
    const waiter = {
      offset,
      wake: (): void => {
        cancel();
        wake();
      },
    };
    const timer = setTimeout(waiter.wake, timeoutMs);
    this.flushWaiters.add(waiter);
    return cancel;
  }

  private markFlushed(end: number): void {
    if (end > this.flushedEnd) this.flushedEnd = end;
    for (const waiter of this.flushWaiters) if (waiter.offset < end) waiter.wake();
    const now = this.clock.monotonicMs();
    if (this.recoveryPointWrite === undefined && now - this.lastRecoveryPointAt >= RECOVERY_POINT_INTERVAL_MS) {
      this.lastRecoveryPointAt = now;
      this.cleanPointOnDisk = false;
      this.recoveryPointWrite = writeRecoveryPoint(this.io, this.dir, { flushedOffset: this.flushedEnd, cleanShutdown: false })
        .catch((error: unknown) => this.logger.warn({ err: error, partition: this.dir }, 'could not write the recovery point; recovery will be more conservative'))
        .finally(() => {
          this.recoveryPointWrite = undefined;
        });
    }
  }

  /**
   * Seal the full segment and start the next one, named by its start offset (§2.6). When the
   * disk is too full to create it, keep appending to the current segment and try again after
   * the next write: disk full is recoverable, unlike a failed fsync.
   */
  private async roll(): Promise<void> {
    const old = this.active;
    try {
      await old.file.datasync();
    } catch (error) {
      this.fence(error, 'fsync before segment roll');
      return;
    }
    this.markFlushed(old.end);
    const path = join(this.dir, segmentFileName(old.end));
    try {
      const file = await this.io.open(path, 'write');
      await this.io.syncDir(this.dir);
      old.sealed = true;
      this.segments.push(new Segment(old.end, path, file, 0, 0));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') this.logger.warn({ err: error, partition: this.dir }, 'disk full: cannot start a new segment yet; the current one keeps growing');
      else this.fence(error, 'segment roll');
    }
  }

  /**
   * The offset of the first message appended at or after `timeMs` (ms since 1970); the written
   * end when there is none (see `offsetForTime` in time-lookup.ts).
   */
  offsetForTime(timeMs: number): Promise<number> {
    return offsetForTime(this.segments, timeMs, this.writtenEnd);
  }

  /**
   * Offsets of the visible messages whose key (attribute) is `key`, oldest first, the newest
   * `limit` of them; empty where the topic does not index keys. Compressed sets are not looked in.
   */
  async offsetsForKey(key: string, limit: number): Promise<number[]> {
    if (this.options.keyIndex !== true) return [];
    return offsetsForKey([...this.segments], key, limit, this.visibleEnd);
  }

  /** Start offset of the segment holding `offset`, clamped to the log (the `offset` command, §1.3.3). */
  segmentStartFor(offset: number): number {
    if (offset < this.minOffset) return this.minOffset;
    if (offset >= this.active.end) return this.visibleEnd;
    return this.segmentFor(offset).start;
  }

  private segmentFor(offset: number): Segment {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.segments[mid]!.start <= offset) low = mid;
      else high = mid - 1;
    }
    return this.segments[low]!;
  }

  /**
   * Up to `maxBytes` from `offset`, never crossing a segment end (§1.8). Records are checked
   * against their checksums the first time they are served; a corrupt range is refused with a
   * StorageError and a read that reaches one is cut short before it. `into`, at least
   * `maxBytes` long, is where the bytes go (a reused buffer), from the file or the tail cache.
   */
  async read(offset: number, maxBytes: number, into?: Buffer): Promise<Buffer> {
    const segment = this.segmentFor(offset);
    const length = Math.min(maxBytes, segment.end - offset);
    if (length <= 0) return Buffer.alloc(0);
    // Written by this process and checked when it arrived: no verification, no file read.
    const cached = this.options.tail?.read(offset, length, into);
    if (cached !== undefined) return cached;
    return segment.use(async () => {
      const buf = into ?? Buffer.allocUnsafe(length);
      const n = await segment.file.read(buf, 0, length, offset - segment.start);
      return this.verified(segment, offset, buf.subarray(0, n));
    });
  }

  private async verified(segment: Segment, offset: number, buf: Buffer): Promise<Buffer> {
    const rel = offset - segment.start;
    if (segment.verifiedEnd < rel) await this.verifyFile(segment, rel);
    if (segment.verifiedEnd >= rel && segment.verifiedEnd < rel + buf.length) {
      let at = segment.verifiedEnd - rel;
      while (at < buf.length) {
        const size = validRecordSize(buf, at);
        if (size > 0) {
          at += size;
          segment.verifiedEnd += size;
          continue;
        }
        const length = buf.length - at >= RECORD_HEADER_SIZE ? buf.readInt32BE(at) : 0;
        const incomplete = buf.length - at < RECORD_HEADER_SIZE || (length >= 0 && at + RECORD_HEADER_SIZE + length > buf.length && segment.verifiedEnd + RECORD_HEADER_SIZE + length <= segment.size);
        if (incomplete) break; // the rest of this record comes with the next read
        await this.markCorrupt(segment, segment.verifiedEnd);
        break;
      }
    }
    const bad = segment.corrupt.find((range) => range.end > offset && range.start < offset + buf.length);
    if (bad === undefined) return buf;
    if (bad.start <= offset) {
      throw new StorageError(StorageCodes.corrupt, `bytes ${bad.start}..${bad.end} of ${this.dir} fail their checksum and are not served; resume reading at offset ${bad.end}, or restore the segment from a replica`);
    }
    return buf.subarray(0, bad.start - offset);
  }

  /** Verify a sealed segment's records from its verified end up to relative position `to`. */
  private async verifyFile(segment: Segment, to: number): Promise<void> {
    while (segment.verifiedEnd < to) {
      const outcome = await scanRecords(segment.file, segment.verifiedEnd, segment.size);
      segment.verifiedEnd = Math.min(outcome.end, segment.size);
      if (outcome.end >= to || outcome.stoppedBy === 'end') return;
      await this.markCorrupt(segment, outcome.end);
    }
  }

  private async markCorrupt(segment: Segment, rel: number): Promise<void> {
    const resume = await findNextIntactRecord(segment.file, rel, segment.size);
    const range = { start: segment.start + rel, end: segment.start + resume };
    segment.corrupt.push(range);
    segment.verifiedEnd = resume;
    this.logger.error({ partition: this.dir, ...range }, 'records fail their checksum; range refused');
    this.onCorrupt?.(range);
  }

  /**
   * Put a replica's copy of a corrupt range in place (matrix K4): the bytes must be whole records
   * that pass their checksums and fill the range exactly. They are written over the damaged ones
   * and fsynced before the range is served again.
   */
  async repair(range: CorruptRange, bytes: Buffer): Promise<void> {
    const segment = this.segmentFor(range.start);
    const isThis = (known: CorruptRange): boolean => known.start === range.start && known.end === range.end;
    if (!segment.corrupt.some(isThis)) return; // repaired meanwhile
    let at = 0;
    while (at < bytes.length) {
      const size = validRecordSize(bytes, at);
      if (size <= 0) break;
      at += size;
    }
    if (bytes.length !== range.end - range.start || at !== bytes.length) {
      throw new StorageError(StorageCodes.corrupt, `the replica's copy of bytes ${range.start}..${range.end} of ${this.dir} is not whole intact records filling the range (${bytes.length} bytes, ${at} of them intact); the range stays refused`);
    }
    await segment.use(async () => {
      await segment.file.write(bytes, range.start - segment.start);
      await segment.file.datasync();
    });
    const index = segment.corrupt.findIndex(isThis);
    if (index >= 0) segment.corrupt.splice(index, 1); // the caller logs where the copy came from
  }

  /** Every corrupt range found so far. */
  get corruptRanges(): Array<{ start: number; end: number }> {
    return this.segments.flatMap((segment) => segment.corrupt);
  }

  /** Sealed segments, oldest first (retention candidates; the active segment never is one). */
  sealedSegments(): Array<{ start: number; path: string }> {
    return this.segments.filter((segment) => segment.sealed).map(({ start, path }) => ({ start, path }));
  }

  /** Drop the oldest segment from the log (its file is already removed or archived). */
  async dropOldestSegment(start: number): Promise<void> {
    const first = this.segments[0];
    if (first === undefined || first.start !== start || !first.sealed) {
      throw new StorageError(StorageCodes.failed, `segment ${start} of ${this.dir} is not the oldest sealed segment and cannot be removed`);
    }
    this.segments.shift();
    await first.release();
  }

  /**
   * Cut the log back to `offset`, for transaction recovery only (before the broker serves): a
   * committed batch torn by a power loss is removed so it can be appended again whole. Only the
   * active segment can be cut, and only while nothing is queued.
   */
  async truncateTail(offset: number): Promise<void> {
    const segment = this.active;
    if (offset < segment.start || offset > segment.end || this.queue.length > 0 || this.writeLoop !== undefined) {
      throw new StorageError(StorageCodes.failed, `cannot cut ${this.dir} back to ${offset}: only the tail of the active segment (${segment.start}..${segment.end}) can be cut before serving`);
    }
    this.options.tail?.clear();
    segment.timeIndex.truncate(offset - segment.start);
    segment.keyIndex.truncate(offset - segment.start);
    const tail = Buffer.allocUnsafe(segment.end - offset);
    await segment.file.read(tail, 0, tail.length, offset - segment.start);
    await segment.file.truncate(offset - segment.start);
    await segment.file.datasync();
    this.messageCount -= [...iterateRecords(tail)].length;
    segment.size = offset - segment.start;
    segment.verifiedEnd = Math.min(segment.verifiedEnd, segment.size);
    this.flushedEnd = Math.min(this.flushedEnd, offset);
    this.cleanPointOnDisk = false;
    await writeRecoveryPoint(this.io, this.dir, { flushedOffset: this.flushedEnd, cleanShutdown: false });
  }

  /** Flush, record a clean shutdown, and close every segment. Pending appends finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.flushWaiters) waiter.wake();
    if (this.timer) clearInterval(this.timer);
    // Appends are refused from now on; let the queued ones finish.
    while (this.scheduled || this.writeLoop !== undefined) {
      await (this.writeLoop ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
    if (this.fenced === undefined) {
      await this.flush().catch(() => undefined);
      await this.recoveryPointWrite;
      // Nothing written since a clean start: the point on disk already says this (stop stays quick).
      const unchanged = this.cleanPointOnDisk && this.writtenEnd === this.flushedEnd;
      if (this.fenced === undefined && !unchanged) await writeRecoveryPoint(this.io, this.dir, { flushedOffset: this.flushedEnd, cleanShutdown: true });
    }
    this.options.tail?.clear();
    await Promise.all([...this.segments.map((segment) => segment.release()), this.producers.journal.close()]);
  }
}

function failAll(entries: PendingAppend[], error: StorageError): void {
  for (const entry of entries) entry.done(error, -1);
}
