/**
 * Partitions an operator closed for maintenance (docs/operations.md): puts and gets answer 403. In memory
 * only, as in MetaQ: a restart opens everything again.
 */
export class ClosedPartitions {
  private readonly closed = new Map<string, Set<number>>();

  close(topic: string, start: number, end: number): void {
    let set = this.closed.get(topic);
    if (set === undefined) this.closed.set(topic, (set = new Set()));
    for (let p = start; p <= end; p += 1) set.add(p);
  }

  open(topic: string): void {
    this.closed.delete(topic);
  }

  /** The closed partitions of a topic, ascending. */
  closedOf(topic: string): number[] {
    return [...(this.closed.get(topic) ?? [])].sort((a, b) => a - b);
  }

  /** Every topic with closed partitions. */
  all(): Array<{ topic: string; partitions: number[] }> {
    return [...this.closed.keys()].sort().map((topic) => ({ topic, partitions: this.closedOf(topic) }));
  }

  isClosed(topic: string, partition: number): boolean {
    return this.closed.get(topic)?.has(partition) ?? false;
  }
}
