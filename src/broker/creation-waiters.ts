/**
 * Waiting gets (`wget`) for partitions a put would create but none has created yet: a consumer
 * that subscribed before the first message sees it on its held fetch instead of polling a 404
 * (docs/protocol.md, wget). Bounded as every waiting get is, by maxInFlightRequests per
 * connection.
 */
export class CreationWaiters {
  /** Keyed by `<topic>-<partition>`, as partition directories are (the partition has no dash). */
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Call `wake` once the partition is created or after `timeoutMs`; returns a function that cancels the wait. */
  add(topic: string, partition: number, timeoutMs: number, wake: () => void): () => void {
    const key = `${topic}-${partition}`;
    let waiters = this.waiting.get(key);
    if (waiters === undefined) this.waiting.set(key, (waiters = new Set()));
    const cancel = (): void => {
      clearTimeout(timer);
      waiters.delete(waiter);
      if (waiters.size === 0 && this.waiting.get(key) === waiters) this.waiting.delete(key);
    };
    const waiter = (): void => {
      cancel();
      wake();
    };
    const timer = setTimeout(waiter, timeoutMs);
    waiters.add(waiter);
    return cancel;
  }

  /** The partition now exists: wake everyone waiting for it. */
  created(topic: string, partition: number): void {
    const waiters = this.waiting.get(`${topic}-${partition}`);
    // Each waiter leaves the set as it wakes; one cancelled meanwhile is skipped.
    if (waiters !== undefined) for (const waiter of waiters) waiter();
  }

  /** Waiting gets held for partitions not created yet. */
  get size(): number {
    let count = 0;
    for (const waiters of this.waiting.values()) count += waiters.size;
    return count;
  }
}
