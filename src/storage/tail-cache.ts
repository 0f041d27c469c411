/**
 * The newest bytes written to each partition, kept in memory so a get at the end of a log (a
 * caught-up consumer, a slave, a waiting get woken by a flush) is answered without a file read
 * and without a trip through the thread pool. One byte budget is shared by every partition of
 * the broker: the oldest chunk anywhere goes first.
 */
/**
 * What a chunk costs beyond its bytes (its objects and its own allocation), counted against the
 * budget: 1,000 partitions of two-message writes kept 100 MB more than a budget of 16 MiB of
 * bytes alone suggested.
 */
export const CHUNK_OVERHEAD = 1024;

export class TailCache {
  /** Every cached chunk, oldest first (entries of cleared partitions are skipped when reached). */
  private readonly order: Array<Chunk | undefined> = [];
  private head = 0;
  private total = 0;

  constructor(readonly budgetBytes: number) {}

  /** The cache of one partition's log. */
  partition(): PartitionTail {
    return new PartitionTail(this);
  }

  /** Memory counted against the budget: cached bytes plus CHUNK_OVERHEAD per chunk. */
  get bytes(): number {
    return this.total;
  }

  /** @internal Count a new chunk and evict the oldest ones while over budget. */
  admit(chunk: Chunk): void {
    this.order.push(chunk);
    this.total += chunk.data.length + CHUNK_OVERHEAD;
    // The newest chunk stays even when it alone passes the budget (a write is at most 4 MiB).
    while (this.total > this.budgetBytes && this.head < this.order.length - 1) {
      const oldest = this.order[this.head]!;
      this.order[this.head++] = undefined; // the evicted bytes must not stay reachable from here
      if (!oldest.dropped) oldest.owner.dropOldest(oldest);
    }
    // Compact the queue once its consumed head outweighs the live rest.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /** @internal A chunk left the cache. */
  release(chunk: Chunk): void {
    chunk.dropped = true;
    this.total -= chunk.data.length + CHUNK_OVERHEAD;
  }
}

interface Chunk {
  owner: PartitionTail;
  /** Absolute offset of the chunk's first byte. */
  start: number;
  data: Buffer;
  dropped: boolean;
}

/** One partition's cached tail: contiguous chunks ending at the log's written end. */
export class PartitionTail {
  private chunks: Array<Chunk | undefined> = [];
  /** Chunks before this index were evicted (emptied slots, removed in bulk rather than one shift each). */
  private first = 0;

  constructor(private readonly cache: TailCache) {}

  /** Bytes just written at `start`; a gap to what is cached (never expected) starts afresh. */
  add(start: number, data: Buffer): void {
    const last = this.chunks.at(-1);
    if (last !== undefined && last.start + last.data.length !== start) this.clear();
    // A small write that is a slice of a larger buffer (a socket chunk, Node's 8 KiB allocation
    // pool) would keep all of it alive: keep a copy in memory of its own, outside the pool.
    const kept = data.buffer.byteLength > 2 * data.length ? copyOutsidePool(data) : data;
    const chunk: Chunk = { owner: this, start, data: kept, dropped: false };
    this.chunks.push(chunk);
    this.cache.admit(chunk);
  }

  /**
   * `length` bytes from `offset` if the cache holds them all (never more than was written),
   * without a copy when one chunk holds them (else joined into `into`, when given); undefined
   * when the cache does not reach back that far.
   */
  read(offset: number, length: number, into?: Buffer): Buffer | undefined {
    const { chunks, first: oldest } = this;
    if (oldest >= chunks.length || offset < chunks[oldest]!.start) return undefined;
    const last = chunks.at(-1)!;
    const end = Math.min(offset + length, last.start + last.data.length);
    if (end <= offset) return undefined;
    let n = findChunk(chunks, oldest, offset);
    const first = chunks[n]!;
    if (end <= first.start + first.data.length) return first.data.subarray(offset - first.start, end - first.start);
    const out = into?.subarray(0, end - offset) ?? Buffer.allocUnsafe(end - offset);
    for (let at = 0; at < out.length; n += 1) {
      const chunk = chunks[n]!;
      const from = offset + at - chunk.start;
      at += chunk.data.copy(out, at, from, Math.min(chunk.data.length, from + out.length - at));
    }
    return out;
  }

  /** Forget everything (the log was truncated or closed). */
  clear(): void {
    for (let n = this.first; n < this.chunks.length; n += 1) this.cache.release(this.chunks[n]!);
    this.chunks = [];
    this.first = 0;
  }

  /** @internal The cache's budget evicts this partition's oldest chunk (they leave in order). */
  dropOldest(chunk: Chunk): void {
    if (this.chunks[this.first] === chunk) this.chunks[this.first++] = undefined;
    this.cache.release(chunk);
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 1024 && this.first * 2 > this.chunks.length) {
      this.chunks.splice(0, this.first);
      this.first = 0;
    }
  }
}

/** Index of the chunk holding `offset`, from `low` on (chunks are contiguous and ascending). */
function findChunk(chunks: ReadonlyArray<Chunk | undefined>, low: number, offset: number): number {
  let high = chunks.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (chunks[mid]!.start <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

function copyOutsidePool(data: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(data.length);
  data.copy(copy);
  return copy;
}
