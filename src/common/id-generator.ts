import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { MetaqError } from './errors.js';

/** MetaQ's id epoch (docs/protocol.md, message ids): 2011-04-27T15:14:20.503Z. */
const EPOCH_MS = 1303895660503;
const SEQUENCE_BITS = 12;
const SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1;

/**
 * Snowflake message ids: 42 bits of milliseconds since MetaQ's epoch, 10 bits of brokerId, 12
 * bits of sequence. Unlike the original (which used nanoTime and produced negative ids, docs/compatibility.md)
 * the time is wall-clock with a monotonic guard: when the clock steps back we keep the last
 * millisecond and borrow sequence numbers, so ids stay positive, unique and increasing.
 */
export class IdGenerator {
  private lastMs = 0;
  private sequence = 0;
  private readonly brokerBits: bigint;

  constructor(
    brokerId: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!Number.isInteger(brokerId) || brokerId < 0 || brokerId > 1023) {
      throw new MetaqError('BAD_BROKER_ID', `brokerId must be an integer in 0..1023 (it is part of every message id), got ${brokerId}`);
    }
    this.brokerBits = BigInt(brokerId << SEQUENCE_BITS);
  }

  next(): bigint {
    const now = this.clock.wallMs();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.sequence = 0;
    } else {
      // Same millisecond, or the clock stepped back: keep time still and use the next sequence.
      this.sequence = (this.sequence + 1) & SEQUENCE_MASK;
      if (this.sequence === 0) this.lastMs += 1; // borrow the next millisecond rather than spin
    }
    return (BigInt(this.lastMs - EPOCH_MS) << 22n) | this.brokerBits | BigInt(this.sequence);
  }

  /**
   * Ids for `count` messages stored together (a batched put): consecutive values of the
   * (millisecond, sequence) counter, so the n-th is `idAfter(first, n)` and a reply needs only the
   * first. A block larger than what is left of this millisecond borrows the next ones.
   */
  nextBlock(count: number): bigint {
    const first = this.next();
    const end = this.sequence + count - 1;
    this.lastMs += Math.floor(end / (SEQUENCE_MASK + 1));
    this.sequence = end & SEQUENCE_MASK;
    return first;
  }
}

/** The id `n` places after `first` in a block from `nextBlock`. */
export function idAfter(first: bigint, n: number): bigint {
  const sequence = Number(first & BigInt(SEQUENCE_MASK)) + n;
  const ms = (first >> 22n) + BigInt(Math.floor(sequence / (SEQUENCE_MASK + 1)));
  return (ms << 22n) | (first & (0x3ffn << 12n)) | BigInt(sequence & SEQUENCE_MASK);
}

/**
 * Writes the ids of a block (from `nextBlock`) into record headers: the same values as
 * `idAfter(first, n)`, as two 32-bit halves worked out with plain numbers, since BigInt
 * arithmetic per record was a tenth of a batched put's cost on the broker.
 */
export class IdBlockWriter {
  private readonly ms: number;
  private readonly node: number;
  private readonly sequence: number;

  constructor(first: bigint) {
    this.ms = Number(first >> 22n);
    this.node = Number((first >> 12n) & 0x3ffn);
    this.sequence = Number(first & BigInt(SEQUENCE_MASK));
  }

  /** When the id `n` places after the first was appended (ms since 1970). */
  timeMsOf(n: number): number {
    return this.ms + Math.floor((this.sequence + n) / (SEQUENCE_MASK + 1)) + EPOCH_MS;
  }

  /** Write the id `n` places after the first at `at` (big-endian, as in a record header). */
  write(target: Buffer, at: number, n: number): void {
    const sequence = this.sequence + n;
    const ms = this.ms + Math.floor(sequence / (SEQUENCE_MASK + 1));
    target.writeUInt32BE(Math.floor(ms / 1024), at); // the top 32 of the millisecond's 42 bits
    target.writeUInt32BE((((ms % 1024) << 22) | (this.node << 12) | (sequence & SEQUENCE_MASK)) >>> 0, at + 4);
  }
}

/** When the message with the id at `at` of `buf` was appended (ms since 1970), without BigInt work. */
export function idTimeMsAt(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * 1024 + (buf.readUInt32BE(at + 4) >>> 22) + EPOCH_MS;
}

/** When the message with this id was appended (ms since 1970): ids carry their time (docs/protocol.md). */
export function idTimeMs(id: bigint): number {
  return Number(id >> 22n) + EPOCH_MS;
}

/** Split an id back into its parts (for tools and tests). */
export function describeId(id: bigint): { timeMs: number; brokerId: number; sequence: number } {
  return {
    timeMs: Number(id >> 22n) + EPOCH_MS,
    brokerId: Number((id >> 12n) & 0x3ffn),
    sequence: Number(id & BigInt(SEQUENCE_MASK)),
  };
}
