/**
 * Lets the loops of online moves sleep until a tick passes or a ZooKeeper watch says a move
 * changed, whichever comes first; stopping the broker ends every wait.
 */
export class MoveWake {
  private waiters = new Set<() => void>();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.wakeAll(), { once: true });
  }

  wait(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
