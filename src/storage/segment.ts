import type { Logger } from 'pino';
import { StorageCodes, StorageError } from '../common/errors.js';
import { idTimeMsAt } from '../common/id-generator.js';
import { iterateRecords, RECORD_HEADER_SIZE, validRecordSize } from '../protocol/record.js';
import type { IoFile } from './io/file-io.js';
import { KeyIndex } from './key-index.js';
import { findNextIntactRecord, scanRecords } from './record-scanner.js';
import { TimeIndex } from './time-index.js';

/** A byte range [start, end) of absolute offsets that failed its checksum and is never served. */
export interface CorruptRange {
  start: number;
  end: number;
}

/** Told of a corrupt range the moment a segment finds it. */
export type CorruptRangeFound = (range: CorruptRange) => void;

/** What recovering the last segment found (see `Segment.recover`). */
export interface SegmentRecovery {
  records: number;
  truncatedBytes: number;
}

/**
 * One segment file of a partition log (Kafka's LogSegment): it owns its bytes, appends after its
 * end, serves reads checked against their checksums, and is cut back or repaired only through
 * its own methods. Offsets here are absolute unless named `rel`.
 */
export class Segment {
  /** Bytes written to the file (flushed or not). */
  private bytes: number;
  /** Relative end of the prefix whose records passed their checksum. */
  private verifiedEnd: number;
  private isSealed = false;
  private readonly corrupt: CorruptRange[] = [];
  /** Append times of its records, sparse (seek by time); fed by appends and by lookups. */
  readonly timeIndex = new TimeIndex();
  /** Keys of its records, where the topic indexes them; fed by appends and by lookups. */
  readonly keyIndex = new KeyIndex();
  /** Append time of its first record, once read (-1: the segment is empty). */
  private firstTimeMs: number | undefined;
  private readers = 0;
  private closeRequested = false;

  constructor(
    /** The partition directory (named in errors). */
    readonly dir: string,
    readonly start: number,
    readonly path: string,
    private readonly file: IoFile,
    size: number,
  ) {
    this.bytes = size;
    this.verifiedEnd = 0;
  }

  get size(): number {
    return this.bytes;
  }

  get end(): number {
    return this.start + this.bytes;
  }

  /** Full: no more appends, a retention candidate. */
  get sealed(): boolean {
    return this.isSealed;
  }

  seal(): void {
    this.isSealed = true;
  }

  /** Ranges found corrupt so far, refused by reads. */
  get corruptRanges(): readonly CorruptRange[] {
    return this.corrupt;
  }

  /**
   * Write `data` (whole records) right after the segment's end. It counts only once `appended`
   * is told; after a failure, `discardFailedWrite` cuts the file back. Two steps, so the append
   * path awaits the file write itself and nothing more.
   */
  write(data: Buffer): Promise<void> {
    return this.file.write(data, this.bytes);
  }

  /** Count a successful `write`: its records were checked on arrival, `latestMs` is when the last was appended. */
  appended(data: Buffer, latestMs: number | undefined, indexKeys: boolean): void {
    const position = this.bytes;
    this.bytes += data.length;
    this.verifiedEnd = this.bytes;
    if (latestMs !== undefined) this.timeIndex.see(position, this.bytes, latestMs);
    if (indexKeys) this.keyIndex.seeRecords(position, data);
  }

  /** A write failed: cut the file back to the last whole record. */
  discardFailedWrite(): Promise<void> {
    return this.file.truncate(this.bytes);
  }

  sync(): Promise<void> {
    return this.file.datasync();
  }

  /** Read raw bytes at relative position `rel`, unchecked (index rebuilding, lookups). */
  readAt(into: Buffer, length: number, rel: number): Promise<number> {
    return this.use(() => this.file.read(into, 0, length, rel));
  }

  /**
   * `length` bytes from `offset`, checked against their checksums the first time they are
   * served. A corrupt range is refused with a StorageError, and a read that reaches one is cut
   * short before it; `found` hears of each range the moment it is found.
   */
  read(offset: number, length: number, into: Buffer | undefined, found: CorruptRangeFound): Promise<Buffer> {
    return this.use(async () => {
      const buf = into ?? Buffer.allocUnsafe(length);
      const n = await this.file.read(buf, 0, length, offset - this.start);
      return this.verified(offset, buf.subarray(0, n), found);
    });
  }

  private async verified(offset: number, buf: Buffer, found: CorruptRangeFound): Promise<Buffer> {
    const rel = offset - this.start;
    if (this.verifiedEnd < rel) await this.verifyFile(rel, found);
    if (this.verifiedEnd >= rel && this.verifiedEnd < rel + buf.length) {
      let at = this.verifiedEnd - rel;
      while (at < buf.length) {
        const size = validRecordSize(buf, at);
        if (size > 0) {
          at += size;
          this.verifiedEnd += size;
          continue;
        }
        const length = buf.length - at >= RECORD_HEADER_SIZE ? buf.readInt32BE(at) : 0;
        const incomplete =
          buf.length - at < RECORD_HEADER_SIZE ||
          (length >= 0 && at + RECORD_HEADER_SIZE + length > buf.length && this.verifiedEnd + RECORD_HEADER_SIZE + length <= this.bytes);
        if (incomplete) break; // the rest of this record comes with the next read
        await this.markCorrupt(this.verifiedEnd, found);
        break;
      }
    }
    const bad = this.corrupt.find((range) => range.end > offset && range.start < offset + buf.length);
    if (bad === undefined) return buf;
    if (bad.start <= offset) {
      throw new StorageError(
        StorageCodes.corrupt,
        `bytes ${bad.start}..${bad.end} of ${this.dir} fail their checksum and are not served; resume reading at offset ${bad.end}, or restore the segment from a replica`,
      );
    }
    return buf.subarray(0, bad.start - offset);
  }

  /** Verify the records from the verified end up to relative position `to`. */
  private async verifyFile(to: number, found: CorruptRangeFound): Promise<void> {
    while (this.verifiedEnd < to) {
      const outcome = await scanRecords(this.file, this.verifiedEnd, this.bytes);
      this.verifiedEnd = Math.min(outcome.end, this.bytes);
      if (outcome.end >= to || outcome.stoppedBy === 'end') return;
      await this.markCorrupt(outcome.end, found);
    }
  }

  private async markCorrupt(rel: number, found: CorruptRangeFound): Promise<void> {
    const resume = await findNextIntactRecord(this.file, rel, this.bytes);
    const range = { start: this.start + rel, end: this.start + resume };
    this.corrupt.push(range);
    this.verifiedEnd = resume;
    found(range);
  }

  /**
   * Scan the segment record by record (it is the last one, opened for appends; see
   * docs/storage.md, recovery). Damage after `flushedOffset` is a torn tail and is truncated.
   * Damage before it is corruption of flushed data: it is refused, not truncated, and scanning
   * resumes at the next intact record so nothing after it is lost.
   */
  async recover(flushedOffset: number, logger: Logger): Promise<SegmentRecovery> {
    const flushedRel = Math.max(0, flushedOffset - this.start);
    let pos = 0;
    let records = 0;
    let truncatedBytes = 0;
    for (;;) {
      const outcome = await scanRecords(this.file, pos, this.bytes);
      records += outcome.records;
      pos = outcome.end;
      if (outcome.stoppedBy === 'end') break;
      if (pos >= flushedRel) {
        truncatedBytes = this.bytes - pos;
        logger.warn({ segment: this.path, truncatedBytes, validEnd: this.start + pos }, 'torn tail truncated');
        await this.file.truncate(pos);
        await this.file.datasync();
        this.bytes = pos;
        break;
      }
      const resume = await findNextIntactRecord(this.file, pos, this.bytes);
      const range = { start: this.start + pos, end: this.start + resume };
      this.corrupt.push(range);
      logger.error({ segment: this.path, ...range }, 'corruption before the flushed end: range refused, not truncated');
      pos = resume;
      if (pos >= this.bytes) break;
    }
    this.verifiedEnd = this.bytes;
    return { records, truncatedBytes };
  }

  /**
   * Put a replica's copy of corrupt `range` in place: the bytes must be whole records that pass
   * their checksums and fill the range exactly. They are written over the damaged ones and
   * fsynced before the range is served again.
   */
  async repair(range: CorruptRange, bytes: Buffer): Promise<void> {
    const isThis = (known: CorruptRange): boolean => known.start === range.start && known.end === range.end;
    if (!this.corrupt.some(isThis)) return; // repaired meanwhile
    let at = 0;
    while (at < bytes.length) {
      const size = validRecordSize(bytes, at);
      if (size <= 0) break;
      at += size;
    }
    if (bytes.length !== range.end - range.start || at !== bytes.length) {
      throw new StorageError(
        StorageCodes.corrupt,
        `the replica's copy of bytes ${range.start}..${range.end} of ${this.dir} is not whole intact records filling the range (${bytes.length} bytes, ${at} of them intact); the range stays refused`,
      );
    }
    await this.use(async () => {
      await this.file.write(bytes, range.start - this.start);
      await this.file.datasync();
    });
    const index = this.corrupt.findIndex(isThis);
    if (index >= 0) this.corrupt.splice(index, 1); // the caller logs where the copy came from
  }

  /** Cut the segment back to absolute `offset`, durably; returns how many records went. */
  async truncate(offset: number): Promise<number> {
    const rel = offset - this.start;
    this.timeIndex.truncate(rel);
    this.keyIndex.truncate(rel);
    const tail = Buffer.allocUnsafe(this.bytes - rel);
    await this.file.read(tail, 0, tail.length, rel);
    await this.file.truncate(rel);
    await this.file.datasync();
    this.bytes = rel;
    this.verifiedEnd = Math.min(this.verifiedEnd, rel);
    return [...iterateRecords(tail)].length;
  }

  /** Append time of the first record, read once (-1 when the segment is empty). */
  async firstAppendTimeMs(): Promise<number> {
    if (this.firstTimeMs === undefined || this.firstTimeMs < 0) {
      const header = Buffer.alloc(RECORD_HEADER_SIZE);
      const n = this.bytes < RECORD_HEADER_SIZE ? 0 : await this.readAt(header, RECORD_HEADER_SIZE, 0);
      this.firstTimeMs = n === RECORD_HEADER_SIZE ? idTimeMsAt(header, 8) : -1;
    }
    return this.firstTimeMs;
  }

  /** Run a read while keeping the file open even if retention removes the segment meanwhile. */
  private async use<T>(work: () => Promise<T>): Promise<T> {
    this.readers += 1;
    try {
      return await work();
    } finally {
      this.readers -= 1;
      if (this.readers === 0 && this.closeRequested) await this.file.close();
    }
  }

  /** Close now, or after the last read in progress finishes. */
  async release(): Promise<void> {
    this.closeRequested = true;
    if (this.readers === 0) await this.file.close();
  }
}
