import { join } from 'node:path';
import { writeFileAtomically } from './atomic-file.js';
import type { FileIO, IoFile } from './io/file-io.js';

const MARKS_FILE = '.delivered';
const MARK_SIZE = 8;

/**
 * Which entries of a schedule log were delivered: their offsets, eight bytes each, appended as
 * deliveries complete. A torn last mark is ignored (its entry is delivered again: at least once).
 * `rewrite` keeps only the marks at or after a low-water offset, below which every entry is done.
 */
export class DeliveredMarks {
  private writing: Promise<void> = Promise.resolve();
  private queued: number[] = [];

  private constructor(
    private readonly io: FileIO,
    private readonly path: string,
    private file: IoFile,
    private size: number,
  ) {}

  static async open(io: FileIO, dir: string): Promise<{ marks: DeliveredMarks; delivered: Set<number> }> {
    const path = join(dir, MARKS_FILE);
    const image = (await io.readFile(path)) ?? Buffer.alloc(0);
    const whole = image.length - (image.length % MARK_SIZE);
    const delivered = new Set<number>();
    for (let at = 0; at < whole; at += MARK_SIZE) delivered.add(Number(image.readBigUInt64BE(at)));
    const file = await io.open(path, 'write');
    if (whole < image.length) await file.truncate(whole);
    return { marks: new DeliveredMarks(io, path, file, whole), delivered };
  }

  /** Record a delivered entry; marks of one turn go out in one write. */
  add(offset: number): Promise<void> {
    this.queued.push(offset);
    // A failed write fails its callers, not every write after it.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const offsets = this.queued.splice(0);
        if (offsets.length === 0) return;
        const bytes = Buffer.allocUnsafe(offsets.length * MARK_SIZE);
        offsets.forEach((offset, n) => bytes.writeBigUInt64BE(BigInt(offset), n * MARK_SIZE));
        await this.file.write(bytes, this.size);
        this.size += bytes.length;
      });
    return this.writing;
  }

  /** Replace the file with the marks `kept()` names when the writes queued before it are done (crash-safe). */
  rewrite(kept: () => Iterable<number>): Promise<void> {
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const offsets = [...kept()];
        const image = Buffer.allocUnsafe(offsets.length * MARK_SIZE);
        offsets.forEach((offset, n) => image.writeBigUInt64BE(BigInt(offset), n * MARK_SIZE));
        await this.file.close();
        await writeFileAtomically(this.io, this.path, image);
        this.file = await this.io.open(this.path, 'write');
        this.size = image.length;
      });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.file.close();
  }
}
