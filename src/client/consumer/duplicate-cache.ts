/**
 * Ids of messages this consumer already processed (§5.8's `group + msgId` cache: one cache per
 * consumer, so per group), so a redelivery after a rebalance or retry is not processed twice.
 * Oldest first out once full.
 */
export class DuplicateCache {
  private readonly seen = new Set<bigint>();

  constructor(private readonly capacity: number) {}

  has(id: bigint): boolean {
    return this.seen.has(id);
  }

  add(id: bigint): void {
    if (this.capacity <= 0 || this.seen.has(id)) return;
    this.seen.add(id);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
  }
}
