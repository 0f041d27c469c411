/**
 * Messages one partition fetcher already processed (§5.8's `group + msgId` cache), so a
 * redelivery after a retry or rebalance is not processed twice. Keyed by the message's offset:
 * within a partition an offset names exactly one message, exactly as its id does, and a number
 * hashes far faster than a 64-bit bigint (the bigint cache cost three quarters of the consumer's
 * time). Oldest first out once full, through a ring buffer.
 */
export class DuplicateCache {
  private readonly seen = new Set<number>();
  private readonly ring: Float64Array;
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Float64Array(Math.max(0, capacity)).fill(-1);
  }

  has(offset: number): boolean {
    return this.seen.has(offset);
  }

  add(offset: number): void {
    if (this.capacity <= 0 || this.seen.has(offset)) return;
    const evicted = this.ring[this.next]!;
    if (evicted >= 0) this.seen.delete(evicted);
    this.ring[this.next] = offset;
    this.next = (this.next + 1) % this.capacity;
    this.seen.add(offset);
  }
}
