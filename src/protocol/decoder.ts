import { ProtocolError } from '../common/errors.js';
import type { Command } from './commands.js';
import { splitHeader } from './header-line.js';
import type { ParsedHeader } from './header-parser.js';
import { parseHeader } from './header-parser.js';
import { PutHeaderFastPath } from './put-fast-path.js';

export interface DecoderLimits {
  /** Longest header line accepted, CRLF included. */
  maxHeaderBytes: number;
  /** Largest body accepted; a bigger length field is refused before any allocation. */
  maxBodyBytes: number;
}

export interface DecoderOptions {
  /**
   * Supplies the buffer a body of a command of `kind` is gathered in when it spans socket
   * reads (every body, with `reusedInput`): at least `length` long; undefined: allocate one. A
   * reader that is done with a body can hand its buffer back for a later one: a fresh 1 MiB
   * buffer is a new mapping that the copy faults in page by page.
   */
  bodyBuffer?: (length: number, kind: Command['kind']) => Buffer | undefined;
  /**
   * The caller reads the socket into one buffer it reuses (`onread`): the decoder then keeps
   * nothing of a chunk uncopied, and gathers each body as it arrives.
   */
  reusedInput?: boolean;
  /**
   * Memory shared by the bodies that span socket reads (the broker's `maxBodyBytesInFlight`). A
   * body whose length `reserve` refuses is not read: the decoder keeps its command line and
   * stops (`waitingForBudget`) until pushed again; the length is released once the body is whole.
   */
  bodyBudget?: BodyReservations;
}

/** Where spanning bodies reserve their length (see DecoderOptions.bodyBudget). */
export interface BodyReservations {
  reserve(bytes: number): boolean;
  release(bytes: number): void;
}

export const defaultDecoderLimits: DecoderLimits = { maxHeaderBytes: 4096, maxBodyBytes: 64 * 1024 * 1024 };

const CRLF = Buffer.from('\r\n');

/**
 * Streaming decoder for MetaQ frames. Feed it socket chunks in any split; it yields the same
 * commands. Bodies are slices of the input when they arrive in one chunk, and are joined once
 * when they span chunks. Memory is bounded by the limits: a header line or a body length above
 * them throws a ProtocolError, and the caller closes the connection (docs/protocol.md, framing).
 */
export class CommandDecoder {
  private readonly limits: DecoderLimits;
  /** Unconsumed bytes that do not yet hold a whole header line. */
  private rest: Buffer | undefined;
  /** A header whose body is still arriving. */
  private awaiting: { header: ParsedHeader; chunks: Buffer[]; received: number; into: Buffer | undefined; reserved: boolean } | undefined;
  /** Length of the body that did not fit the budget; its command line waits in `rest`. 0: none. */
  private blockedBodyBytes = 0;
  private readonly fastPut = new PutHeaderFastPath();

  constructor(
    limits: Partial<DecoderLimits> = {},
    private readonly options: DecoderOptions = {},
  ) {
    this.limits = { ...defaultDecoderLimits, ...limits };
  }

  /** Change the largest body accepted from the next frame on (a broker lifts it once a client logged in). */
  set maxBodyBytes(bytes: number) {
    this.limits.maxBodyBytes = bytes;
  }

  /** Part of a command line has arrived, not its end. */
  get inHeader(): boolean {
    return this.awaiting === undefined && this.blockedBodyBytes === 0 && this.rest !== undefined && this.rest.length > 0;
  }

  /** Part of a body has arrived, not all of it. */
  get inBody(): boolean {
    return this.awaiting !== undefined;
  }

  /** Bytes of the next body that did not fit the body budget (push again once they may); 0: none. */
  get waitingForBudget(): number {
    return this.blockedBodyBytes;
  }

  /** The connection is gone: give back what a half-received body reserved. */
  dispose(): void {
    if (this.awaiting?.reserved === true) this.options.bodyBudget?.release(this.awaiting.header.bodyLength);
    this.awaiting = undefined;
    this.rest = undefined;
    this.blockedBodyBytes = 0;
  }

  /** Bytes buffered while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return (this.rest?.length ?? 0) + (this.awaiting?.received ?? 0);
  }

  push(chunk: Buffer): Command[] {
    const out: Command[] = [];
    let buf = chunk;
    if (this.awaiting !== undefined) {
      const consumed = this.continueBody(buf, out);
      if (consumed === buf.length) return out;
      buf = buf.subarray(consumed);
    } else if (this.rest !== undefined) {
      buf = Buffer.concat([this.rest, buf]);
      this.rest = undefined;
      this.blockedBodyBytes = 0;
    }
    this.decodeFrames(buf, out);
    return out;
  }

  private continueBody(chunk: Buffer, out: Command[]): number {
    const pending = this.awaiting!;
    const missing = pending.header.bodyLength - pending.received;
    const take = Math.min(missing, chunk.length);
    if (pending.into !== undefined) chunk.copy(pending.into, pending.received, 0, take);
    else pending.chunks.push(chunk.subarray(0, take));
    pending.received += take;
    if (pending.received === pending.header.bodyLength) {
      this.awaiting = undefined;
      if (pending.reserved) this.options.bodyBudget?.release(pending.header.bodyLength);
      out.push(
        withBody(pending.header, pending.into?.subarray(0, pending.received) ?? this.join(pending.chunks, pending.received, pending.header.command.kind)),
      );
    }
    return take;
  }

  /** A buffer for a body of `length` bytes: a reused one when the reader supplies it. */
  private bodyTarget(length: number, kind: Command['kind']): Buffer {
    return this.options.bodyBuffer?.(length, kind) ?? Buffer.allocUnsafe(length);
  }

  /**
   * A spanning body's chunks as one buffer: the supplied one when there is one. Joined once it
   * is complete, not copied in as each chunk arrives: that measured slower (a 1 GiB backlog at
   * 246-700 against 1,014-1,290 MB/s, the bench consumer's sequential gets).
   */
  private join(chunks: readonly Buffer[], length: number, kind: Command['kind']): Buffer {
    const target = this.options.bodyBuffer?.(length, kind);
    if (target === undefined) return Buffer.concat(chunks, length);
    let at = 0;
    for (const chunk of chunks) at += chunk.copy(target, at);
    return target.subarray(0, length);
  }

  private decodeFrames(buf: Buffer, out: Command[]): void {
    let pos = 0;
    while (pos < buf.length) {
      const lineStart = pos;
      const lineEnd = buf.indexOf(CRLF, pos);
      if (lineEnd < 0 || lineEnd - pos + 2 > this.limits.maxHeaderBytes) {
        if (buf.length - pos > this.limits.maxHeaderBytes || lineEnd >= 0) {
          throw new ProtocolError(`header line longer than ${this.limits.maxHeaderBytes} bytes`);
        }
        this.rest = Buffer.from(buf.subarray(pos)); // copy: keep the small tail, not the whole chunk
        return;
      }
      const header = this.fastPut.parse(buf, pos, lineEnd) ?? parseHeader(splitHeader(buf.toString('utf8', pos, lineEnd)));
      if (header.bodyLength > this.limits.maxBodyBytes) {
        throw new ProtocolError(`body of ${header.bodyLength} bytes exceeds the limit of ${this.limits.maxBodyBytes} bytes`);
      }
      pos = lineEnd + 2;
      if (header.bodyLength === 0) {
        out.push(header.command);
        continue;
      }
      const available = buf.length - pos;
      const reused = this.options.reusedInput === true;
      if (available >= header.bodyLength) {
        const body = buf.subarray(pos, pos + header.bodyLength);
        out.push(withBody(header, reused ? copyInto(this.bodyTarget(body.length, header.command.kind), body) : body));
        pos += header.bodyLength;
        continue;
      }
      const budget = this.options.bodyBudget;
      if (budget !== undefined && !budget.reserve(header.bodyLength)) {
        this.rest = Buffer.from(buf.subarray(lineStart)); // at most one read past the command line
        this.blockedBodyBytes = header.bodyLength;
        return;
      }
      const into = reused ? this.bodyTarget(header.bodyLength, header.command.kind) : undefined;
      if (into !== undefined) buf.copy(into, 0, pos);
      this.awaiting = {
        header,
        chunks: available > 0 && into === undefined ? [buf.subarray(pos)] : [],
        received: available,
        into,
        reserved: budget !== undefined,
      };
      return;
    }
  }
}

function copyInto(target: Buffer, bytes: Buffer): Buffer {
  bytes.copy(target);
  return target.subarray(0, bytes.length);
}

function withBody(header: ParsedHeader, body: Buffer): Command {
  const command = header.command;
  if (
    command.kind === 'put' ||
    command.kind === 'mput' ||
    command.kind === 'dput' ||
    command.kind === 'sync' ||
    command.kind === 'auth' ||
    command.kind === 'result' ||
    command.kind === 'value'
  ) {
    command.body = body;
  }
  return command;
}
