/** Bytes between index entries: a lookup reads at most about this much past its entry. */
export const TIME_INDEX_INTERVAL = 64 * 1024;

/**
 * One segment's sparse time index, kept in memory: every TIME_INDEX_INTERVAL bytes, a record's
 * position and the latest append time of every record before it. It is fed as the segment is
 * written, in order; a segment found on disk (or a write it could not follow) is read from where
 * the index stopped, the first time a lookup needs it. Entries hold the latest time so far, not
 * the record's own, so they never decrease even if append times do (a clock set back between
 * two runs of the broker): everything before a chosen entry is older than the time looked for.
 */
export class TimeIndex {
  private readonly positions: number[] = [];
  private readonly latestBefore: number[] = [];
  private lastEntryAt = -Infinity;
  private seenEnd = 0;
  private latestMs = -Infinity;

  /** Relative end of the records seen. */
  get coveredEnd(): number {
    return this.seenEnd;
  }

  /** Latest append time of the records seen; -Infinity before the first. */
  get latest(): number {
    return this.latestMs;
  }

  /**
   * Records from relative `position` to `end`, the latest appended at `latestMs`. Ignored unless
   * they follow what was seen, so a write the caller could not time leaves the rest to a scan.
   */
  see(position: number, end: number, latestMs: number): void {
    if (position !== this.seenEnd) return;
    if (position - this.lastEntryAt >= TIME_INDEX_INTERVAL) {
      this.positions.push(position);
      this.latestBefore.push(this.latestMs);
      this.lastEntryAt = position;
    }
    this.latestMs = Math.max(this.latestMs, latestMs);
    this.seenEnd = end;
  }

  /** Where to start reading for the first record appended at or after `timeMs`. */
  startFor(timeMs: number): number {
    let low = 0;
    let high = this.positions.length - 1;
    let found = 0;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.latestBefore[mid]! < timeMs) {
        found = this.positions[mid]!;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  /** The segment was cut back before the end of what was seen: read it again when needed. */
  truncate(position: number): void {
    if (position >= this.seenEnd) return;
    this.positions.length = 0;
    this.latestBefore.length = 0;
    this.lastEntryAt = -Infinity;
    this.seenEnd = 0;
    this.latestMs = -Infinity;
  }
}
