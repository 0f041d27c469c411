import { moveFault } from '../../common/move-faults.js';

/**
 * Partitions that take no puts because of an online move (docs/cluster.md, moving partitions):
 * on the source once the move is fenced (its last byte is being copied, or it now lives on the
 * target), and on the target while it is still a copy. Puts answer 503 (nothing stored), so a
 * producer sends to another partition. Gets are still served. Rebuilt from ZooKeeper at start.
 */
export class MoveFences {
  private readonly fences = new Map<string, string>();
  /** Topic → partitions moved away from this broker and not yet deleted (they are no longer registered). */
  private readonly movedAway = new Map<string, Set<number>>();
  /** Topic → copies being moved here, not registered until their move switches. */
  private readonly arriving = new Map<string, Set<number>>();
  private readonly unfencedFault = moveFault('unfenced');

  fence(topic: string, partition: number, reason: string): void {
    this.fences.set(`${topic}\n${partition}`, reason);
  }

  /** Fence a partition this broker is moving away (what the kill tests' `unfenced` fault leaves out). */
  fenceMovingOut(topic: string, partition: number, reason: string): void {
    if (!this.unfencedFault) this.fence(topic, partition, reason);
  }

  unfence(topic: string, partition: number): void {
    this.fences.delete(`${topic}\n${partition}`);
  }

  /** Why a put to this partition is refused, or undefined. */
  refusal(topic: string, partition: number): string | undefined {
    return this.fences.size === 0 ? undefined : this.fences.get(`${topic}\n${partition}`);
  }

  /** A copy being moved here: not registered until the move switches. */
  markArriving(topic: string, partition: number): void {
    this.mark(this.arriving, topic, partition);
  }

  forgetArriving(topic: string, partition: number): void {
    this.unmark(this.arriving, topic, partition);
  }

  markMovedAway(topic: string, partition: number): void {
    this.mark(this.movedAway, topic, partition);
  }

  isMovedAway(topic: string, partition: number): boolean {
    return this.movedAway.get(topic)?.has(partition) ?? false;
  }

  forgetMovedAway(topic: string, partition: number): void {
    this.unmark(this.movedAway, topic, partition);
  }

  /**
   * How many partitions of a topic this broker registers: moves take a broker's last partitions
   * and add after them, so the lowest partition moved away or still arriving ends the range.
   */
  registeredCount(topic: string, configured: number): number {
    const away = this.movedAway.get(topic);
    const arriving = this.arriving.get(topic);
    if (away === undefined && arriving === undefined) return configured;
    return Math.min(configured, ...(away ?? []), ...(arriving ?? []));
  }

  private mark(map: Map<string, Set<number>>, topic: string, partition: number): void {
    let set = map.get(topic);
    if (set === undefined) map.set(topic, (set = new Set()));
    set.add(partition);
  }

  private unmark(map: Map<string, Set<number>>, topic: string, partition: number): void {
    const set = map.get(topic);
    set?.delete(partition);
    if (set?.size === 0) map.delete(topic);
  }

  get size(): number {
    return this.fences.size;
  }
}
