import { createHash } from 'node:crypto';
import type { FileIO, IoFile } from '../../storage/io/file-io.js';
import type { FileCheckpoint } from './tail-checkpoint.js';
import { RecordJoiner } from './record-joiner.js';
import type { LogRecord } from './record-joiner.js';

/** Bytes hashed to recognise a file's content (its copies, a reused inode). */
export const FINGERPRINT_BYTES = 1024;

/** Hash of a file's first `length` bytes; undefined when it is shorter now. */
export async function fingerprintOf(file: IoFile, length: number): Promise<string | undefined> {
  const bytes = Buffer.alloc(length);
  const read = length === 0 ? 0 : await file.read(bytes, 0, length, 0);
  return read < length ? undefined : createHash('sha256').update(bytes).digest('hex');
}

export interface FollowOptions {
  startOfRecord: RegExp | undefined;
  maxRecordBytes: number;
}

/**
 * One file being shipped, followed by its open handle so that a rename does not lose it. Two
 * positions: `shipped` (every record before it is acked; what the checkpoint keeps) and the read
 * position, ahead of it by what was read and not yet acked.
 */
export class FollowedFile {
  private joiner: RecordJoiner;
  private readAt: number;
  /** Records read past the last batch's limit: the next batch starts with them. */
  private ready: LogRecord[] = [];
  /** Not at a watched path any more (renamed or deleted): read to its end, then let go. */
  rotated = false;
  /** When bytes last arrived, or a record was last completed. */
  lastActivityMs: number;

  private constructor(
    private readonly handle: IoFile,
    public path: string,
    readonly fileId: string,
    /** The partition key: the path the file was found at, kept across renames so one file's records stay in order. */
    readonly key: string,
    public shipped: number,
    public fingerprint: string,
    public fingerprintLength: number,
    private readonly options: FollowOptions,
    nowMs: number,
  ) {
    this.readAt = shipped;
    this.joiner = new RecordJoiner(options.startOfRecord, shipped, options.maxRecordBytes);
    this.lastActivityMs = nowMs;
  }

  static async open(io: FileIO, path: string, fileId: string, key: string, from: number, options: FollowOptions, nowMs: number): Promise<FollowedFile> {
    const handle = await io.open(path, 'read');
    const size = await handle.size();
    const length = Math.min(FINGERPRINT_BYTES, size);
    const fingerprint = (await fingerprintOf(handle, length)) ?? '';
    return new FollowedFile(handle, path, fileId, key, Math.min(from, size), fingerprint, length, options, nowMs);
  }

  size(): Promise<number> {
    return this.handle.size();
  }

  /** Everything read has been shipped, and nothing is held half-joined. */
  get idle(): boolean {
    return this.readAt === this.shipped && this.joiner.heldBytes === 0 && this.ready.length === 0;
  }

  /**
   * Is what was read no longer in the file: cut shorter than the read position, or its first bytes
   * changed (truncated and written again between two polls, or the inode reused)?
   */
  async replaced(): Promise<boolean> {
    if ((await this.size()) < this.readAt) return true;
    return this.fingerprintLength > 0 && (await fingerprintOf(this.handle, this.fingerprintLength)) !== this.fingerprint;
  }

  /**
   * Read on until `maxRecords` records or `maxBytes` bytes are complete or the file ends. With
   * `quietMs` passed since the last activity, the record being joined is completed too (and, for
   * a rotated file read to its end, a last line without a newline).
   */
  async read(maxRecords: number, maxBytes: number, nowMs: number, quietMs: number): Promise<LogRecord[]> {
    const records = this.ready;
    let bytes = records.reduce((n, r) => n + r.data.length, 0);
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const size = await this.size();
    while (records.length < maxRecords && bytes < maxBytes && this.readAt < size) {
      const read = await this.handle.read(chunk, 0, Math.min(chunk.length, size - this.readAt), this.readAt);
      if (read === 0) break;
      this.readAt += read;
      this.lastActivityMs = nowMs;
      for (const record of this.joiner.push(chunk.subarray(0, read))) {
        records.push(record);
        bytes += record.data.length;
      }
    }
    if (records.length === 0 && this.readAt >= size && nowMs - this.lastActivityMs >= quietMs) records.push(...this.joiner.flush(this.rotated));
    if (this.fingerprintLength < FINGERPRINT_BYTES && size > this.fingerprintLength) await this.refreshFingerprint(size);
    // A chunk can complete more records than a batch takes: keep the rest, in order, for the next.
    let take = 0;
    for (let taken = 0; take < records.length && take < maxRecords && (take === 0 || taken + records[take]!.data.length <= maxBytes); take += 1)
      taken += records[take]!.data.length;
    this.ready = records.slice(take);
    return records.slice(0, take);
  }

  /** Forget what was read and not shipped, and read again from `offset` (after a truncation, or a failed send). */
  rewind(offset: number): void {
    this.shipped = offset;
    this.readAt = offset;
    this.ready = [];
    this.joiner = new RecordJoiner(this.options.startOfRecord, offset, this.options.maxRecordBytes);
  }

  /** The file was truncated: its content is new from byte 0. */
  async restartFromZero(): Promise<void> {
    this.rewind(0);
    this.fingerprint = (await fingerprintOf(this.handle, 0)) ?? '';
    this.fingerprintLength = 0;
  }

  checkpoint(): FileCheckpoint {
    return { path: this.path, fileId: this.fileId, fingerprint: this.fingerprint, fingerprintLength: this.fingerprintLength, offset: this.shipped };
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private async refreshFingerprint(size: number): Promise<void> {
    const length = Math.min(FINGERPRINT_BYTES, size);
    const fingerprint = await fingerprintOf(this.handle, length);
    if (fingerprint === undefined) return;
    this.fingerprint = fingerprint;
    this.fingerprintLength = length;
  }
}
