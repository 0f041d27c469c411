import { Status } from './status.js';

/** Size of each buffer replies are encoded into: about 1,600 put acknowledgements. */
const CHUNK_BYTES = 64 * 1024;
/** The longest stored-result frame: `result 200 <len> <opaque>\r\n<id> <partition> <offset> <count>`. */
const STORED_MAX_BYTES = 128;
const SPACE = 0x20;
const MINUS = 0x2d;
const ZERO = 0x30;
const RESULT_OK = Buffer.from(`result ${Status.success} `, 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

/** Decimal digits of a non-negative safe integer. */
function digitCount(value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  return digits;
}

/**
 * Text replies encoded straight into bytes (the stored answer is `storedFrame`'s text, written
 * without building it) as handlers produce them, for one write per tick.
 * A put's acknowledgement used to be seven strings (its id, the body, the frame, the tick's
 * concatenation) that the socket then flattened and encoded again: a fifth of what the broker
 * allocated per message. Bytes handed out by `take` are never written over: a full chunk is
 * left to the socket and the next replies go to a fresh one.
 */
export class ReplyBytes {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Where the bytes not yet taken start. */
  private start = 0;
  private at = 0;

  /** A whole frame already as text (UTF-8). */
  frame(text: string): void {
    this.room(Buffer.byteLength(text));
    this.at += this.chunk.write(text, this.at);
  }

  /**
   * The answer to a stored put, `result 200 <len> <opaque>\r\n<id> <partition> <offset>`, and
   * to a stored set, with ` <count>` after the offset (count < 0: none).
   */
  stored(opaque: number, id: bigint, partition: number, offset: number, count = -1): void {
    const idText = id.toString();
    const partitionDigits = partition < 0 ? 1 + digitCount(-partition) : digitCount(partition);
    const length = idText.length + 1 + partitionDigits + 1 + digitCount(offset) + (count < 0 ? 0 : 1 + digitCount(count));
    this.room(STORED_MAX_BYTES + idText.length);
    const chunk = this.chunk;
    let at = this.at + RESULT_OK.copy(chunk, this.at);
    at = this.integer(length, at);
    chunk[at++] = SPACE;
    at = this.integer(opaque, at);
    at += CRLF.copy(chunk, at);
    at += chunk.write(idText, at, 'latin1');
    chunk[at++] = SPACE;
    at = this.integer(partition, at);
    chunk[at++] = SPACE;
    at = this.integer(offset, at);
    if (count >= 0) {
      chunk[at++] = SPACE;
      at = this.integer(count, at);
    }
    this.at = at;
  }

  /** The bytes gathered since the last take, or undefined when there are none. */
  take(): Buffer | undefined {
    if (this.at === this.start) return undefined;
    const bytes = this.chunk.subarray(this.start, this.at);
    this.start = this.at;
    return bytes;
  }

  /**
   * Make room for `bytes` more, in a fresh chunk if needed, carrying over what was not taken.
   * Twice what is needed: a tick with more replies than a chunk holds must not copy them all
   * again for each one after.
   */
  private room(bytes: number): void {
    if (this.at + bytes <= this.chunk.length) return;
    const pending = this.chunk.subarray(this.start, this.at);
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, 2 * (pending.length + bytes)));
    this.start = 0;
    this.at = pending.copy(this.chunk, 0);
  }

  /** Write a safe integer in decimal at `at`; returns where it ends. */
  private integer(value: number, at: number): number {
    const chunk = this.chunk;
    let rest = value;
    if (rest < 0) {
      chunk[at++] = MINUS;
      rest = -rest;
    }
    const end = at + digitCount(rest);
    for (let i = end - 1; i >= at; i -= 1) {
      chunk[i] = ZERO + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    return end;
  }
}
