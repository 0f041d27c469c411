/**
 * Messages one partition fetcher already processed (MetaQ's `group + msgId` cache, docs/client.md), so a
 * redelivery after a retry or rebalance is not processed twice. Keyed by the message's offset:
 * within a partition an offset names exactly one message, exactly as its id does, and a number
 * hashes far faster than a 64-bit bigint (the bigint cache cost three quarters of the consumer's
 * time). Oldest first out once full, through a ring buffer.
 *
 * Offsets normally arrive in increasing order, so the ring is sorted: `has` is then a bound check
 * or a binary search and `add` one store, with no hash set (which was 15 % of the consumer's
 * profile). The first offset that arrives out of order switches the cache to a set for good.
 */
export class DuplicateCache {
  private readonly ring: Float64Array;
  private next = 0;
  private size = 0;
  private sorted = true;
  private set: Set<number> | undefined;

  constructor(private readonly capacity: number) {
    this.ring = new Float64Array(Math.max(0, capacity));
  }

  has(offset: number): boolean {
    if (this.set !== undefined) return this.set.has(offset);
    if (this.size === 0 || offset > this.newest() || offset < this.at(0)) return false;
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.at(middle);
      if (value === offset) return true;
      if (value < offset) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  add(offset: number): void {
    if (this.capacity <= 0 || this.has(offset)) return;
    if (this.sorted && this.size > 0 && offset < this.newest()) {
      this.sorted = false;
      this.set = new Set(Array.from({ length: this.size }, (_, i) => this.at(i)));
    }
    if (this.size === this.capacity) this.set?.delete(this.ring[this.next]!);
    else this.size += 1;
    this.ring[this.next] = offset;
    this.next = (this.next + 1) % this.capacity;
    this.set?.add(offset);
  }

  /** Forget everything: a seek asks for messages again on purpose. */
  clear(): void {
    this.next = 0;
    this.size = 0;
    this.sorted = true;
    this.set = undefined;
  }

  /** The i-th oldest offset held. */
  private at(i: number): number {
    return this.ring[(this.next - this.size + i + this.capacity) % this.capacity]!;
  }

  private newest(): number {
    return this.ring[(this.next - 1 + this.capacity) % this.capacity]!;
  }
}
