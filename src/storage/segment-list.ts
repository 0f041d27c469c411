import { StorageCodes, StorageError } from '../common/errors.js';
import type { CorruptRange, Segment } from './segment.js';

/** The segments of one partition, oldest first and contiguous; the last one takes appends. */
export class SegmentList {
  constructor(private readonly segments: Segment[]) {}

  get first(): Segment {
    return this.segments[0]!;
  }

  /** The segment appends go to. */
  get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Every segment, oldest first (lookups walk them). */
  get all(): readonly Segment[] {
    return this.segments;
  }

  /** The segment holding `offset` (the first one for offsets before it, the active one after). */
  holding(offset: number): Segment {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.segments[mid]!.start <= offset) low = mid;
      else high = mid - 1;
    }
    return this.segments[low]!;
  }

  /** Seal the active segment and append `next`, which starts at its end. */
  roll(next: Segment): void {
    this.active.seal();
    this.segments.push(next);
  }

  /** Sealed segments, oldest first (retention candidates; the active segment never is one). */
  sealed(): Array<{ start: number; path: string }> {
    return this.segments.filter((segment) => segment.sealed).map(({ start, path }) => ({ start, path }));
  }

  /** Drop the oldest segment (its file is already removed or archived). */
  async dropOldest(start: number, dir: string): Promise<void> {
    const first = this.segments[0];
    if (first === undefined || first.start !== start || !first.sealed) {
      throw new StorageError(StorageCodes.failed, `segment ${start} of ${dir} is not the oldest sealed segment and cannot be removed`);
    }
    this.segments.shift();
    await first.release();
  }

  /** Every corrupt range found so far. */
  corruptRanges(): CorruptRange[] {
    return this.segments.flatMap((segment) => segment.corruptRanges);
  }

  async releaseAll(): Promise<void> {
    await Promise.all(this.segments.map((segment) => segment.release()));
  }
}
