/**
 * The newest bytes written to each partition, kept in memory so a get at the end of a log (a
 * caught-up consumer, a slave, a waiting get woken by a flush) is answered without a file read
 * and without a trip through the thread pool. One byte budget is shared by every partition of
 * the broker: the oldest chunk anywhere goes first. The bytes are copied into one ring of that
 * size, so the cache never holds on to a request's buffer (the broker reuses it) and allocates
 * nothing per write; a read copies out of it.
 */
/**
 * What a chunk costs beyond its bytes (its object and its places in the queues), counted against
 * the budget so that tiny writes cannot pile up chunks without bound (1,000 partitions of
 * two-message writes once kept 100 MB more than a budget of 16 MiB of bytes alone suggested).
 */
export const CHUNK_OVERHEAD = 1024;

export class TailCache {
  /**
   * Where cached bytes live: one buffer of the budget's size, filled in a circle, so a busy
   * broker allocates nothing per write and a request's buffer can be reused once written.
   * Allocated with the first write.
   */
  private ring: Buffer | undefined;
  /** Where the next chunk goes in the ring. */
  private writeAt = 0;
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

  /**
   * @internal Copy `data` into the ring as a chunk of `owner`, evicting the chunks it
   * overwrites and then the oldest while over budget (never the new one); undefined when
   * `data` is larger than the whole ring.
   */
  store(owner: PartitionTail, start: number, data: Buffer): Chunk | undefined {
    if (data.length === 0 || data.length > this.budgetBytes) return undefined;
    const ring = (this.ring ??= Buffer.allocUnsafeSlow(this.budgetBytes));
    let at = this.writeAt;
    if (at + data.length > ring.length) {
      // The ring's end holds the oldest chunks (the previous lap): they go before its start is reused.
      while (this.oldest !== undefined && this.oldest.at >= at) this.evictOldest();
      at = 0;
    }
    const end = at + data.length;
    while (this.oldest !== undefined && this.oldest.at >= at && this.oldest.at < end) this.evictOldest();
    data.copy(ring, at);
    this.writeAt = end;
    const chunk: Chunk = { owner, start, at, length: data.length, dropped: false };
    this.order.push(chunk);
    this.total += data.length + CHUNK_OVERHEAD;
    while (this.total > this.budgetBytes && this.head < this.order.length - 1) this.evictOldest();
    // Compact the queue once its consumed head outweighs the live rest.
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return chunk;
  }

  /** @internal Copy `length` bytes of `chunk` from `from` into `out` at `to`. */
  copyOut(chunk: Chunk, from: number, length: number, out: Buffer, to: number): number {
    return this.ring!.copy(out, to, chunk.at + from, chunk.at + from + length);
  }

  /** Partitions holding a read of this turn (`PartitionTail.read`), forgotten at its end. */
  private turnReads: PartitionTail[] = [];

  /** @internal `tail` remembers a read until the end of this turn. */
  rememberedThisTurn(tail: PartitionTail): void {
    this.turnReads.push(tail);
    if (this.turnReads.length === 1) setImmediate(this.forgetTurnReads);
  }

  private readonly forgetTurnReads = (): void => {
    const tails = this.turnReads;
    this.turnReads = [];
    for (let i = 0; i < tails.length; i += 1) tails[i]!.forgetTurnRead();
  };

  /** @internal A chunk left the cache. */
  release(chunk: Chunk): void {
    chunk.dropped = true;
    this.total -= chunk.length + CHUNK_OVERHEAD;
  }

  /** The oldest chunk still queued (possibly one of a cleared partition). */
  private get oldest(): Chunk | undefined {
    return this.head < this.order.length ? this.order[this.head] : undefined;
  }

  private evictOldest(): void {
    const oldest = this.order[this.head]!;
    this.order[this.head++] = undefined;
    if (!oldest.dropped) oldest.owner.dropOldest(oldest);
  }
}

interface Chunk {
  owner: PartitionTail;
  /** Absolute offset of the chunk's first byte. */
  start: number;
  /** Where its bytes are in the ring. */
  at: number;
  length: number;
  dropped: boolean;
}

/** One partition's cached tail: contiguous chunks ending at the log's written end. */
export class PartitionTail {
  private chunks: Array<Chunk | undefined> = [];
  /** Chunks before this index were evicted (emptied slots, removed in bulk rather than one shift each). */
  private first = 0;
  /** The first read of this turn, shared by the same reads after it (`bytes` once there is a shareable copy). */
  /** The first read of this turn (offset -1: none yet), and its shareable copy once there is one: fields, not an object a get. */
  private turnReadOffset = -1;
  private turnReadEnd = -1;
  private turnReadBytes: Buffer | undefined;

  constructor(private readonly cache: TailCache) {}

  /** Bytes just written at `start` (copied: the caller may reuse `data`); a gap to what is cached (never expected) starts afresh. */
  add(start: number, data: Buffer): void {
    const last = this.chunks.at(-1);
    if (last !== undefined && last.start + last.length !== start) this.clear();
    const chunk = this.cache.store(this, start, data);
    if (chunk === undefined)
      this.clear(); // larger than the cache: what it holds would no longer reach the end
    else this.chunks.push(chunk);
  }

  /**
   * `length` bytes from `offset` if the cache holds them all (never more than was written),
   * copied into `into` when given (at least `length` long) or into a new buffer: the ring is
   * written over later. Undefined when the cache does not reach back that far.
   *
   * Consumer groups at the tail are woken together and ask for the same bytes in the same turn:
   * from the second such read on, they share one copy (never `into`, a buffer its caller reuses)
   * instead of a copy each (a quarter of the broker's time with 100 groups). Log bytes below the
   * written end never change, and a cut forgets the shared copy.
   */
  read(offset: number, length: number, into?: Buffer): Buffer | undefined {
    const { chunks, first: oldest } = this;
    if (oldest >= chunks.length || offset < chunks[oldest]!.start) return undefined;
    const last = chunks.at(-1)!;
    const end = Math.min(offset + length, last.start + last.length);
    if (end <= offset) return undefined;
    if (this.turnReadOffset === offset && this.turnReadEnd === end) return (this.turnReadBytes ??= this.copy(offset, end, undefined));
    if (this.turnReadOffset < 0) this.cache.rememberedThisTurn(this);
    const out = this.copy(offset, end, into);
    this.turnReadOffset = offset;
    this.turnReadEnd = end;
    this.turnReadBytes = into === undefined ? out : undefined;
    return out;
  }

  /** @internal The turn ended: its reads are not shared any longer. */
  forgetTurnRead(): void {
    this.turnReadOffset = -1;
    this.turnReadBytes = undefined;
  }

  private copy(offset: number, end: number, into: Buffer | undefined): Buffer {
    const { chunks, first: oldest } = this;
    const out = into?.subarray(0, end - offset) ?? Buffer.allocUnsafe(end - offset);
    for (let n = findChunk(chunks, oldest, offset), at = 0; at < out.length; n += 1) {
      const chunk = chunks[n]!;
      const from = offset + at - chunk.start;
      at += this.cache.copyOut(chunk, from, Math.min(chunk.length - from, out.length - at), out, at);
    }
    return out;
  }

  /** Forget everything (the log was truncated or closed). */
  clear(): void {
    this.forgetTurnRead();
    for (let n = this.first; n < this.chunks.length; n += 1) this.cache.release(this.chunks[n]!);
    this.chunks = [];
    this.first = 0;
  }

  /** @internal The cache evicts this partition's oldest chunk (they leave in order). */
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
