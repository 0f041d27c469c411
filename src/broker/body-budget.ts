import type { BodyReservations } from '../protocol/decoder.js';

/**
 * The memory request bodies may hold while they arrive, across every connection
 * (`maxBodyBytesInFlight`). A body that spans socket reads reserves its announced length when
 * its command line is read and gives it back once it is whole (or its connection closes). A
 * connection whose next body does not fit stops being read until it does: 40 clients each
 * holding a 16 MiB put one byte short can no longer hold 640 MiB for as long as they like
 * (bodyTimeoutMs ends them). One client address may hold at most half the budget, so clients
 * elsewhere still have room while one address fills its share.
 */
export class BodyBudget {
  private used = 0;
  private readonly usedByAddress = new Map<string, number>();
  /** Connections waiting for room, in arrival order, each with its address and the bytes it needs. */
  private readonly waiting: Array<{ address: string; bytes: number; wake: () => void }> = [];
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

  /** The reservations of one connection, for its decoder. */
  forAddress(address: string): BodyReservations {
    return { reserve: (bytes) => this.reserve(address, bytes), release: (bytes) => this.release(address, bytes) };
  }

  /** Take `bytes` for a body from `address` if they fit; false: call `waitFor`. */
  reserve(address: string, bytes: number): boolean {
    if (!this.fits(address, bytes)) return false;
    this.used += bytes;
    this.usedByAddress.set(address, (this.usedByAddress.get(address) ?? 0) + bytes);
    return true;
  }

  release(address: string, bytes: number): void {
    this.used -= bytes;
    const left = (this.usedByAddress.get(address) ?? bytes) - bytes;
    if (left <= 0) this.usedByAddress.delete(address);
    else this.usedByAddress.set(address, left);
    this.wakeWaiting();
  }

  /** Call `wake` once `bytes` may fit; it then reserves again. Returns a cancel, for a connection that closed. */
  waitFor(address: string, bytes: number, wake: () => void): () => void {
    const entry = { address, bytes, wake };
    this.waiting.push(entry);
    this.waits += 1;
    return () => {
      const at = this.waiting.indexOf(entry);
      if (at >= 0) this.waiting.splice(at, 1);
    };
  }

  /** A body fits the whole budget, and its address's share: half the budget, or the largest body allowed. */
  private fits(address: string, bytes: number): boolean {
    const share = Math.max(Math.floor(this.limit / 2), bytes);
    return this.used + bytes <= this.limit && (this.usedByAddress.get(address) ?? 0) + bytes <= share;
  }

  /** Wake, in arrival order, every waiter that fits now; each reserves synchronously as it wakes. */
  private wakeWaiting(): void {
    if (this.waking) return;
    this.waking = true;
    try {
      for (let at = 0; at < this.waiting.length;) {
        const entry = this.waiting[at]!;
        if (!this.fits(entry.address, entry.bytes)) {
          at += 1;
          continue;
        }
        this.waiting.splice(at, 1);
        entry.wake();
      }
    } finally {
      this.waking = false;
    }
  }
}
