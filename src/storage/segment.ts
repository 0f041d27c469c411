import type { IoFile } from './io/file-io.js';
import { KeyIndex } from './key-index.js';
import { TimeIndex } from './time-index.js';

/** A byte range [start, end) of absolute offsets that failed its checksum and is never served. */
export interface CorruptRange {
  start: number;
  end: number;
}

/** One segment file of a partition log. Offsets here are absolute unless named `rel`. */
export class Segment {
  /** Bytes written to the file (flushed or not). */
  size: number;
  /** Relative end of the prefix whose records passed their checksum. */
  verifiedEnd: number;
  sealed = false;
  readonly corrupt: CorruptRange[] = [];
  /** Append times of its records, sparse (seek by time). */
  readonly timeIndex = new TimeIndex();
  /** Keys of its records, where the topic indexes them. */
  readonly keyIndex = new KeyIndex();
  /** Append time of its first record, once read (-1: the segment is empty). */
  firstTimeMs: number | undefined;
  private readers = 0;
  private closeRequested = false;

  constructor(
    readonly start: number,
    readonly path: string,
    readonly file: IoFile,
    size: number,
    verifiedEnd: number,
  ) {
    this.size = size;
    this.verifiedEnd = verifiedEnd;
  }

  get end(): number {
    return this.start + this.size;
  }

  /** Run a read while keeping the file open even if retention removes the segment meanwhile. */
  async use<T>(work: () => Promise<T>): Promise<T> {
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
