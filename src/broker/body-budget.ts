/**
 * The memory request bodies may hold while they arrive, across every connection
 * (`maxBodyBytesInFlight`). A body that spans socket reads reserves its announced length when
 * its command line is read and gives it back once it is whole (or its connection closes). A
 * connection whose next body does not fit stops being read and waits its turn: 40 clients each
 * holding a 16 MiB put one byte short can no longer hold 640 MiB for as long as they like.
 */
export class BodyBudget {
  private used = 0;
  /** Connections waiting for room, first come first served, each with the bytes it needs. */
  private readonly waiting: Array<{ bytes: number; wake: () => void }> = [];
  private waking = false;
  /** Times a connection had to wait for room (counted once per wait). */
  waits = 0;

  constructor(
    /** Most body bytes held at once; config validation keeps it at least maxRequestBodySize. */
    readonly limit: number,
  ) {}

  /** Body bytes reserved right now (the metric's gauge). */
  get bytesInFlight(): number {
    return this.used;
  }

  /**
   * Take `bytes` if they fit and nobody is waiting ahead (a large body is not starved by small
   * ones); false: call `waitFor`.
   */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.limit || (this.waiting.length > 0 && !this.waking)) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.wakeWaiting();
  }

  /** Call `wake` once `bytes` may fit; it then calls `reserve` again. Returns a cancel for a closed connection. */
  waitFor(bytes: number, wake: () => void): () => void {
    const entry = { bytes, wake };
    this.waiting.push(entry);
    this.waits += 1;
    return () => {
      const at = this.waiting.indexOf(entry);
      if (at < 0) return;
      this.waiting.splice(at, 1);
      if (at === 0) this.wakeWaiting();
    };
  }

  /** Wake waiters in order while the first one fits; each reserves synchronously as it wakes. */
  private wakeWaiting(): void {
    if (this.waking) return;
    this.waking = true;
    try {
      while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.limit) this.waiting.shift()!.wake();
    } finally {
      this.waking = false;
    }
  }
}
