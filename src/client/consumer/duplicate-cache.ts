/** LRU of `group + msgId` already processed (§5.8), so a redelivery is not processed twice. */
export class DuplicateCache {
  private readonly seen = new Map<string, true>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.seen.has(key);
  }

  add(key: string): void {
    if (this.capacity <= 0) return;
    this.seen.delete(key);
    this.seen.set(key, true);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
  }
}
