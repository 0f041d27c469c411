import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomically } from './atomic-file.js';
import type { FileIO, IoFile } from './io/file-io.js';

/**
 * A set an idempotent producer stored: who sent it, its place in that producer's sequence for
 * the partition, and where it went. Enough to answer a retry with the original reply.
 */
export interface StoredSet {
  producerId: string;
  sequence: number;
  records: number;
  bytes: number;
  offset: number;
  firstId: bigint;
}

/** `.producers` in the partition directory; MetaQ ignores it, as it does `.recovery-point`. */
export const PRODUCER_JOURNAL_FILE = '.producers';

/** length(4) crc(4) | pidLength(1) pid sequence(4) records(4) bytes(4) offset(8) firstId(8) */
const FIXED_BODY = 1 + 4 + 4 + 4 + 8 + 8;

function encodeEntry(set: StoredSet): Buffer {
  const pid = Buffer.from(set.producerId, 'latin1');
  const bodyLength = FIXED_BODY + pid.length;
  const entry = Buffer.allocUnsafe(8 + bodyLength);
  entry.writeUInt32BE(bodyLength, 0);
  let at = 8;
  entry.writeUInt8(pid.length, at);
  pid.copy(entry, at + 1);
  at += 1 + pid.length;
  entry.writeUInt32BE(set.sequence, at);
  entry.writeUInt32BE(set.records, at + 4);
  entry.writeUInt32BE(set.bytes, at + 8);
  entry.writeBigUInt64BE(BigInt(set.offset), at + 12);
  entry.writeBigInt64BE(set.firstId, at + 20);
  entry.writeUInt32BE(crc32(entry.subarray(8)), 4);
  return entry;
}

/** Entries of a journal image up to the first torn or damaged one, and where that one starts. */
function decodeEntries(image: Buffer): { sets: StoredSet[]; end: number } {
  const sets: StoredSet[] = [];
  let at = 0;
  while (at + 8 <= image.length) {
    const bodyLength = image.readUInt32BE(at);
    if (bodyLength < FIXED_BODY || at + 8 + bodyLength > image.length) break;
    const body = image.subarray(at + 8, at + 8 + bodyLength);
    if (crc32(body) !== image.readUInt32BE(at + 4)) break;
    const pidLength = body.readUInt8(0);
    if (pidLength + FIXED_BODY !== bodyLength) break;
    const p = 1 + pidLength;
    sets.push({
      producerId: body.toString('latin1', 1, p),
      sequence: body.readUInt32BE(p),
      records: body.readUInt32BE(p + 4),
      bytes: body.readUInt32BE(p + 8),
      offset: Number(body.readBigUInt64BE(p + 12)),
      firstId: body.readBigInt64BE(p + 20),
    });
    at += 8 + bodyLength;
  }
  return { sets, end: at };
}

/**
 * The durable side of idempotent puts: one entry per stored set, appended (and written) before
 * the set itself is written to the log, so a set on disk always has its entry, even after a
 * kill -9 between the two writes. An entry whose set never made it (a failed or torn write) is
 * harmless: a retry that matches it is checked against the log before it is answered.
 * The file is rewritten with only the live entries when it grows past `compactBytes`.
 */
export class ProducerJournal {
  private dirty = false;
  /** Opened on the first append: partitions without idempotent producers get no file. */
  private file: IoFile | undefined;

  private constructor(
    private readonly io: FileIO,
    private readonly path: string,
    /** Where the intact entries end (a torn tail after it is cut off at the first append). */
    private size: number,
    private readonly compactBytes: number,
  ) {}

  /** Read the journal's entries back, oldest first, up to a torn tail; `fresh`: the directory was just created, there is nothing to read. */
  static async open(io: FileIO, dir: string, fresh = false, compactBytes = 1024 * 1024): Promise<{ journal: ProducerJournal; sets: StoredSet[] }> {
    const path = join(dir, PRODUCER_JOURNAL_FILE);
    const image = (fresh ? undefined : await io.readFile(path)) ?? Buffer.alloc(0);
    const { sets, end } = decodeEntries(image);
    return { journal: new ProducerJournal(io, path, end, compactBytes), sets };
  }

  /** Append entries for sets about to be written to the log. */
  async append(sets: readonly StoredSet[]): Promise<void> {
    if (this.file === undefined) {
      this.file = await this.io.open(this.path, 'write');
      await this.file.truncate(this.size);
    }
    const bytes = Buffer.concat(sets.map(encodeEntry));
    await this.file.write(bytes, this.size);
    this.size += bytes.length;
    this.dirty = true;
  }

  get needsCompaction(): boolean {
    return this.size > this.compactBytes;
  }

  /** Replace the file with just `live` (crash-safe: the old file or the new, never a mix). */
  async rewrite(live: readonly StoredSet[]): Promise<void> {
    const image = Buffer.concat(live.map(encodeEntry));
    await this.file?.close();
    await writeFileAtomically(this.io, this.path, image);
    this.file = await this.io.open(this.path, 'write');
    this.size = image.length;
    this.dirty = false;
  }

  /** fdatasync when anything was appended since the last one (the log's flushes call this). */
  async sync(): Promise<void> {
    if (!this.dirty || this.file === undefined) return;
    this.dirty = false;
    await this.file.datasync();
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}
