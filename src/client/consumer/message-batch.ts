import { idAfter } from '../../common/id-generator.js';
import { decodePayload, FLAG_HAS_ATTRIBUTE } from '../../protocol/payload.js';
import { RECORD_HEADER_SIZE } from '../../protocol/record.js';
import type { Partition, ReceivedMessage } from '../message.js';

/**
 * The messages of one partition handed to a `runBatches` handler at once: a view over the bytes
 * as fetched, checked against their checksums, with no object per message until one is asked
 * for. `data(n)` is a view into the fetched bytes (no copy), and those bytes are reused for a
 * later fetch once the handler has returned: copy what you keep past it. Either plain records
 * laid end to end (`recordOffsets` from `base`), or the messages of one compressed set, which
 * share its offset.
 */
export class MessageBatch implements Iterable<ReceivedMessage> {
  /** @internal */
  constructor(
    readonly topic: string,
    readonly partition: Partition,
    /** The records: fetched bytes, or a decompressed set. */
    private readonly bytes: Buffer,
    /** Where each message's record starts in `bytes`. */
    private readonly starts: readonly number[],
    /** Offset of `bytes[0]` for plain records; for a compressed set, the set's own offset. */
    private readonly base: number,
    /** For a compressed set: its id and its end offset; undefined for plain records. */
    private readonly compressed: { id: bigint; nextOffset: number } | undefined,
  ) {}

  get length(): number {
    return this.starts.length;
  }

  /** The n-th message's data, a view into the fetched bytes. */
  data(n: number): Buffer {
    const flag = this.flag(n);
    return (flag & FLAG_HAS_ATTRIBUTE) === 0 ? this.payload(n) : decodePayload(this.payload(n), flag).data;
  }

  /** Where the n-th message starts in its partition (a compressed set's messages share its offset). */
  offset(n: number): number {
    return this.compressed === undefined ? this.base + this.starts[n]! : this.base;
  }

  /** Where consumption resumes once the n-th message is processed. */
  nextOffset(n: number): number {
    if (this.compressed !== undefined) return this.compressed.nextOffset;
    const start = this.starts[n]!;
    return this.base + start + RECORD_HEADER_SIZE + this.bytes.readInt32BE(start);
  }

  id(n: number): bigint {
    return this.compressed === undefined ? this.bytes.readBigInt64BE(this.starts[n]! + 8) : idAfter(this.compressed.id, n);
  }

  flag(n: number): number {
    return this.bytes.readInt32BE(this.starts[n]! + 16);
  }

  attribute(n: number): string | undefined {
    const flag = this.flag(n);
    return (flag & FLAG_HAS_ATTRIBUTE) === 0 ? undefined : decodePayload(this.payload(n), flag).attribute;
  }

  /** The n-th record's payload (attribute included), a view into the fetched bytes. */
  private payload(n: number): Buffer {
    const start = this.starts[n]!;
    return this.bytes.subarray(start + RECORD_HEADER_SIZE, start + RECORD_HEADER_SIZE + this.bytes.readInt32BE(start));
  }

  /** The n-th message as the object `run` listeners get. */
  message(n: number): ReceivedMessage {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.offset(n),
      nextOffset: this.nextOffset(n),
      id: this.id(n),
      data: this.data(n),
      attribute: this.attribute(n),
      flag: this.flag(n),
    };
  }

  *[Symbol.iterator](): Iterator<ReceivedMessage> {
    for (let n = 0; n < this.length; n += 1) yield this.message(n);
  }
}
