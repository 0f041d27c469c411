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

  fence(topic: string, partition: number, reason: string): void {
    this.fences.set(`${topic}\n${partition}`, reason);
  }

  unfence(topic: string, partition: number): void {
    this.fences.delete(`${topic}\n${partition}`);
  }

  /** Why a put to this partition is refused, or undefined. */
  refusal(topic: string, partition: number): string | undefined {
    return this.fences.size === 0 ? undefined : this.fences.get(`${topic}\n${partition}`);
  }

  markMovedAway(topic: string, partition: number): void {
    let set = this.movedAway.get(topic);
    if (set === undefined) this.movedAway.set(topic, (set = new Set()));
    set.add(partition);
  }

  isMovedAway(topic: string, partition: number): boolean {
    return this.movedAway.get(topic)?.has(partition) ?? false;
  }

  forgetMovedAway(topic: string, partition: number): void {
    const set = this.movedAway.get(topic);
    set?.delete(partition);
    if (set?.size === 0) this.movedAway.delete(topic);
  }

  /** How many partitions of a topic this broker registers: moves take a broker's last partitions, so the lowest moved away ends the range. */
  registeredCount(topic: string, configured: number): number {
    const set = this.movedAway.get(topic);
    if (set === undefined) return configured;
    return Math.min(configured, ...set);
  }

  get size(): number {
    return this.fences.size;
  }
}
