import { join } from 'node:path';
import type { Logger } from 'pino';
import { StorageCodes, StorageError } from '../common/errors.js';
import { idTimeMs } from '../common/id-generator.js';
import { RECORD_HEADER_SIZE, writeRecordHeader } from '../protocol/record.js';
import type { FlushPolicy } from './flush-policy.js';
import type { FileIO } from './io/file-io.js';
import type { QueuedAppend } from './log-append.js';
import type { ListenerSource, PartitionLogEvents } from './log-events.js';
import type { ProducerState } from './producer-state.js';
import { Segment } from './segment.js';
import type { SegmentList } from './segment-list.js';
import { segmentFileName } from './segment-name.js';
import type { StorageTimings } from './storage-timings.js';
import type { PartitionTail } from './tail-cache.js';
import { WriteQueue } from './write-queue.js';

/** What a log writer works with, all owned by its partition log. */
export interface LogWriterParts {
  dir: string;
  io: FileIO;
  logger: Logger;
  segments: SegmentList;
  flushes: FlushPolicy;
  producers: ProducerState;
  events: ListenerSource<PartitionLogEvents>;
  maxSegmentSize: number;
  keyIndex: boolean;
  timings: StorageTimings | undefined;
  tail: PartitionTail | undefined;
}

function failAll(entries: readonly QueuedAppend[], error: StorageError): void {
  for (const entry of entries) entry.done(error, -1);
}

/**
 * The write side of one partition log: drains its write queue into the active segment, one
 * write per batch, rolls full segments, and fences the log on a failed write or fsync, failing
 * every waiting append. In group-commit mode a batch's appends are acknowledged after the fsync
 * covering it; in normal mode once written, the flush policy fsyncing later.
 */
export class LogWriter {
  readonly queue: WriteQueue;
  private fencedBy: StorageError | undefined;
  private records: number;

  constructor(
    private readonly p: LogWriterParts,
    /** Records in the last segment at load: MetaQ's message_count starts there. */
    messageCount: number,
  ) {
    this.records = messageCount;
    this.queue = new WriteQueue(
      () => this.drain(),
      (error: unknown) => void this.fence(error, 'write loop'),
    );
  }

  /** Set when a write or fsync failed: the log refuses appends until restart. */
  get fenced(): StorageError | undefined {
    return this.fencedBy;
  }

  /** Records in the last segment at load plus appends since: MetaQ's message_count. */
  get messageCount(): number {
    return this.records;
  }

  /** The log was cut back by `records` records. */
  forget(records: number): void {
    this.records -= records;
  }

  private async drain(): Promise<void> {
    const { segments, flushes, producers, events } = this.p;
    while (this.queue.length > 0 && this.fencedBy === undefined) {
      const segment = segments.active;
      const batch = this.queue.take(this.p.maxSegmentSize - segment.size);
      const bytes = this.queue.takenBytes;
      const count = batch.length;
      const position = segment.size;
      // A lone framed set (a batched put) goes to disk as it arrived, without a copy.
      const head = batch[0]!;
      const lone = count === 1 && (head.kind === 'framed' || head.kind === 'journaled');
      const data = lone ? head.set : Buffer.allocUnsafe(bytes);
      const offsets = new Array<number>(count);
      let at = 0;
      let records = 0;
      for (let i = 0; i < count; i += 1) {
        const entry = batch[i]!;
        offsets[i] = segment.start + position + at;
        if (entry.kind === 'record') {
          writeRecordHeader(data, at, entry.payload.length, entry.checksum, entry.id, entry.flag);
          entry.payload.copy(data, at + RECORD_HEADER_SIZE);
          at += RECORD_HEADER_SIZE + entry.payload.length;
          records += 1;
        } else if (entry.kind === 'batch') {
          for (const record of entry.records) {
            writeRecordHeader(data, at, record.payload.length, record.checksum, record.id, record.flag);
            record.payload.copy(data, at + RECORD_HEADER_SIZE);
            at += RECORD_HEADER_SIZE + record.payload.length;
          }
          records += entry.records.length;
        } else {
          if (!lone) entry.set.copy(data, at);
          at += entry.set.length;
          records += entry.records;
        }
      }
      const writeStarted = performance.now();
      try {
        const journaling = producers.journalSets(batch, offsets);
        if (journaling !== undefined) await journaling;
        await segment.write(data);
      } catch (error) {
        await this.failedWrite(error, segment, batch);
        continue;
      }
      this.p.timings?.written((performance.now() - writeStarted) / 1000, bytes);
      segment.appended(data, latestTimeOf(batch[count - 1]!), this.p.keyIndex);
      this.records += records;
      const start = segment.start + position;
      this.p.tail?.add(start, data);
      const written = events.listeners('written');
      for (let i = 0; i < written.length; i += 1) written[i]!(start, data);
      const traced = events.listeners('traced');
      for (let i = 0; i < traced.length; i += 1) traced[i]!(start, data);
      // A slave's stream sends views of what was written; without one, nothing keeps the bytes.
      if (written.length === 0) {
        for (let i = 0; i < count; i += 1) {
          const entry = batch[i]!;
          if (entry.kind === 'framed') entry.release?.();
        }
      }
      if (flushes.groupCommit) {
        try {
          await this.syncActive();
        } catch (error) {
          failAll(batch, this.fence(error, 'fsync'));
          return;
        }
        flushes.flushedTo(segment.end);
        for (let i = 0; i < count; i += 1) batch[i]!.done(undefined, offsets[i]!);
      } else {
        for (let i = 0; i < count; i += 1) batch[i]!.done(undefined, offsets[i]!);
        flushes.wrote(records);
      }
      if (segment.size >= this.p.maxSegmentSize) await this.roll();
    }
  }

  /** fsync the active segment and the producer journal. */
  async syncActive(): Promise<void> {
    const started = performance.now();
    await Promise.all([this.p.segments.active.sync(), this.p.producers.sync()]);
    this.p.timings?.synced((performance.now() - started) / 1000);
  }

  /** A write failed: cut the file back to the last whole record; ENOSPC keeps the log usable. */
  private async failedWrite(error: unknown, segment: Segment, batch: QueuedAppend[]): Promise<void> {
    const code = (error as NodeJS.ErrnoException).code;
    try {
      await segment.discardFailedWrite();
    } catch (truncateError) {
      failAll(batch, this.fence(truncateError, `truncate after a failed write (${String(code)})`));
      return;
    }
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      const full = new StorageError(
        StorageCodes.full,
        `disk full writing ${segment.path}: the message was not stored; free space under ${this.p.dir} and retry`,
        { cause: error },
      );
      this.p.logger.warn({ err: error, partition: this.p.dir }, 'disk full: puts refused until space is freed');
      failAll(batch, full);
      return;
    }
    failAll(batch, this.fence(error, 'write'));
  }

  /**
   * Seal the full segment and start the next one, named by its start offset (docs/storage.md).
   * When the disk is too full to create it, keep appending to the current segment and try
   * again after the next write: disk full is recoverable, unlike a failed fsync.
   */
  private async roll(): Promise<void> {
    const { segments, io, dir } = this.p;
    const old = segments.active;
    try {
      await old.sync();
    } catch (error) {
      this.fence(error, 'fsync before segment roll');
      return;
    }
    this.p.flushes.flushedTo(old.end);
    const path = join(dir, segmentFileName(old.end));
    try {
      const file = await io.open(path, 'write');
      await io.syncDir(dir);
      segments.roll(new Segment(dir, old.end, path, file, 0));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT')
        this.p.logger.warn({ err: error, partition: dir }, 'disk full: cannot start a new segment yet; the current one keeps growing');
      else this.fence(error, 'segment roll');
    }
  }

  /** Refuse appends from now on and fail the queued ones; returns the error they get. */
  fence(error: unknown, during: string): StorageError {
    if (this.fencedBy !== undefined) return this.fencedBy;
    const fenced = new StorageError(
      StorageCodes.failed,
      `storage failed during ${during} in ${this.p.dir}; the partition refuses writes until the broker restarts and recovers it from disk`,
      { cause: error },
    );
    this.fencedBy = fenced;
    this.p.logger.error({ err: error, partition: this.p.dir }, 'partition fenced after an I/O error');
    failAll(this.queue.takeAll(), fenced);
    return fenced;
  }
}

/** When the entry's last record was appended, if known; entries are stamped in arrival order. */
function latestTimeOf(entry: QueuedAppend): number | undefined {
  switch (entry.kind) {
    case 'record':
      return idTimeMs(entry.id);
    case 'batch':
      return idTimeMs(entry.records[entry.records.length - 1]!.id);
    default:
      return entry.latestTimeMs;
  }
}
