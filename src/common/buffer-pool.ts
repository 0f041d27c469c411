/**
 * Reused buffers of one size for large byte runs that live briefly: the message set a broker
 * reads for a get until the socket has sent it, a fetched reply until a consumer has processed
 * it. A fresh 1 MiB buffer is a new memory mapping that the first write faults in page by page,
 * and the allocator gives it back to the kernel when V8 frees it; on this project's VMs that
 * cost more than the read or copy itself (a 1 GiB backlog read at 436-475 MB/s with fresh
 * buffers and up to 1,160 with reused ones). Runs shorter than `pooledFrom` are cheap to
 * allocate and are not pooled. A buffer never given back is simply collected.
 */
export class BufferPool {
  private readonly idle: Buffer[] = [];
  /** Every buffer this pool made, so that `give` accepts only those, and each once. */
  private readonly made = new WeakSet<ArrayBufferLike>();
  private readonly idleSet = new WeakSet<ArrayBufferLike>();

  constructor(
    /** The size of every pooled buffer: the largest run it serves. */
    readonly size: number,
    /** How many idle buffers are kept; more in use at once are allocated and collected. */
    private readonly keep = 16,
    private readonly pooledFrom = 64 * 1024,
  ) {}

  /** A buffer of at least `length` bytes, or undefined when such a run is not pooled. */
  take(length: number): Buffer | undefined {
    if (length < this.pooledFrom || length > this.size) return undefined;
    const reused = this.idle.pop();
    if (reused !== undefined) {
      this.idleSet.delete(reused.buffer);
      return reused;
    }
    const fresh = Buffer.allocUnsafeSlow(this.size);
    this.made.add(fresh.buffer);
    return fresh;
  }

  /**
   * Hand back a buffer from `take`, or any view of one, once nothing reads its bytes any more.
   * Anything else (a view of a socket read, a buffer already given back) is ignored.
   */
  give(view: Buffer): void {
    const buffer = view.buffer;
    if (!this.made.has(buffer) || this.idleSet.has(buffer) || this.idle.length >= this.keep) return;
    this.idleSet.add(buffer);
    this.idle.push(Buffer.from(buffer, 0, this.size));
  }
}
