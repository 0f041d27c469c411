import { join } from 'node:path';
import { writeFileAtomically } from './atomic-file.js';
import type { FileIO, IoFile } from './io/file-io.js';

const JOURNAL_FILE = 'traces.jsonl';

/**
 * Message trace events, one JSON line each, appended as they happen (written, not fsynced: a
 * trace is a diagnosis, and a power cut may lose its last lines). A torn last line is skipped on
 * open; `rewrite` replaces the file with the lines still kept.
 */
export class TraceJournal {
  private writing: Promise<void> = Promise.resolve();
  private queued: string[] = [];
  /** Lines in the file, kept or not: when far more than are kept, the owner rewrites it. */
  lines: number;

  private constructor(
    private readonly io: FileIO,
    private readonly path: string,
    private file: IoFile,
    private size: number,
    lines: number,
  ) {
    this.lines = lines;
  }

  static async open(io: FileIO, dir: string): Promise<{ journal: TraceJournal; lines: string[] }> {
    await io.mkdirp(dir);
    const path = join(dir, JOURNAL_FILE);
    const image = (await io.readFile(path)) ?? Buffer.alloc(0);
    const whole = image.lastIndexOf(0x0a) + 1; // a torn last line is dropped
    const lines = image
      .toString('utf8', 0, whole)
      .split('\n')
      .filter((line) => line !== '');
    const file = await io.open(path, 'write');
    if (whole < image.length) await file.truncate(whole);
    return { journal: new TraceJournal(io, path, file, whole, lines.length), lines };
  }

  /** Append lines; those of one turn go out in one write. */
  append(line: string): void {
    this.queued.push(line);
    this.lines += 1;
    if (this.queued.length > 1) return;
    // A failed write loses its lines, not every write after it.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const bytes = Buffer.from(`${this.queued.splice(0).join('\n')}\n`, 'utf8');
        await this.file.write(bytes, this.size);
        this.size += bytes.length;
      });
  }

  /** Replace the file with `lines`, after the writes queued before. */
  rewrite(lines: string[]): Promise<void> {
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const image = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
        await this.file.close();
        await writeFileAtomically(this.io, this.path, image);
        this.file = await this.io.open(this.path, 'write');
        this.size = image.length;
        this.lines = lines.length;
      });
    return this.writing;
  }

  /** Resolves when every line appended so far is written (a failed write rejects it). */
  flushed(): Promise<void> {
    return this.writing;
  }

  async close(): Promise<void> {
    await this.writing.catch(() => undefined);
    await this.file.close();
  }
}
