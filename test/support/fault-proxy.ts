import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** One proxied connection: bytes move between `downstream` (the client) and `upstream` (the target). */
interface Link {
  downstream: Socket;
  upstream: Socket | undefined;
  /** Bytes held while the link is blackholed, per direction. */
  toUpstream: Buffer[];
  toDownstream: Buffer[];
  /** One end closed while blackholed: the other end learns of it only after healing. */
  closing: boolean;
  /** While degraded: chunks waiting for their time, per direction, released strictly in order by one timer. */
  delayedUp: Delayed;
  delayedDown: Delayed;
  reshapedUp: Reshaped;
  reshapedDown: Reshaped;
}

interface Delayed {
  chunks: Array<{ due: number; chunk: Buffer }>;
  timer: NodeJS.Timeout | undefined;
}

/** While reshaping: bytes not yet passed on in one direction, and the timer that passes the next piece. */
interface Reshaped {
  held: Buffer[];
  scheduled: boolean;
}

/** A degraded link: every chunk is delayed by a random time in [minDelayMs, maxDelayMs], and a fraction of chunks resets the connection. */
export interface Degradation {
  minDelayMs: number;
  maxDelayMs: number;
  resetRate: number;
}

/** Reshaped segments (docs/testing.md, K12): bytes pass in random pieces, after up to `maxDelayMs` each. */
export interface Reshaping {
  maxDelayMs: number;
  /** Negative control: flip one bit in the stream toward the client once this many bytes passed. */
  flipBitDownAfter?: number;
}

/**
 * A TCP proxy on loopback that can blackhole traffic: while blackholed it moves no bytes in
 * either direction and sends no RST, as a network partition looks to both ends (new connections
 * are accepted but not forwarded). `heal()` delivers what was held, as TCP retransmission would.
 */
export class FaultProxy {
  private blackholed = false;
  private degradation: Degradation | undefined;
  private reshaping: Reshaping | undefined;
  private readonly links = new Set<Link>();
  /** Pieces passed while reshaping, and how many of them were 8 bytes or fewer. */
  piecesPassed = 0;
  tinyPieces = 0;
  /** Connections reset by the degradation so far. */
  resets = 0;
  /** Set by loseNextReply: the next bytes from the target are dropped with their connection. */
  private replyToLose: (() => void) | undefined;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, target);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  blackhole(): void {
    this.blackholed = true;
  }

  /** Delay and reset traffic (docs/testing.md, N5) until `heal`. */
  degrade(degradation: Degradation): void {
    this.degradation = degradation;
  }

  /**
   * Split, coalesce and delay the byte stream in both directions, keeping its order and content
   * (docs/testing.md, K12): a piece is one byte to a few, a random share of what is held, or all of it
   * (several writes together), each written on its own after a random delay. For good.
   */
  reshape(reshaping: Reshaping): void {
    this.reshaping = reshaping;
  }

  /**
   * Drop the next bytes the target sends (a reply) and reset that connection, as when a broker
   * acts on a request and the link dies before the client hears back. Resolves once it happened.
   */
  loseNextReply(): Promise<void> {
    return new Promise((resolve) => (this.replyToLose = resolve));
  }

  heal(): void {
    this.blackholed = false;
    this.degradation = undefined;
    for (const link of [...this.links]) {
      if (link.closing) this.drop(link);
      else if (link.upstream === undefined) this.open(link);
      else this.flush(link);
    }
  }

  private accept(downstream: Socket): void {
    const link: Link = {
      downstream,
      upstream: undefined,
      toUpstream: [],
      toDownstream: [],
      closing: false,
      delayedUp: { chunks: [], timer: undefined },
      delayedDown: { chunks: [], timer: undefined },
      reshapedUp: { held: [], scheduled: false },
      reshapedDown: { held: [], scheduled: false },
    };
    this.links.add(link);
    downstream.setNoDelay(true); // a piece goes out as its own segment
    downstream.on('data', (chunk: Buffer) => this.carry(link, chunk, 'up'));
    downstream.on('error', () => this.drop(link));
    downstream.on('close', () => this.drop(link));
    if (!this.blackholed) this.open(link);
  }

  private open(link: Link): void {
    const upstream = connect(this.target);
    upstream.setNoDelay(true);
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => this.carry(link, chunk, 'down'));
    upstream.on('connect', () => this.flush(link));
    upstream.on('error', () => this.drop(link));
    upstream.on('close', () => this.drop(link));
  }

  /** Move one chunk: now, after a delay (keeping order), or not at all when it resets the connection. */
  private carry(link: Link, chunk: Buffer, direction: 'up' | 'down'): void {
    const degradation = this.degradation;
    const queue = direction === 'up' ? link.toUpstream : link.toDownstream;
    if (direction === 'down' && this.replyToLose !== undefined) {
      const lost = this.replyToLose;
      this.replyToLose = undefined;
      this.links.delete(link);
      link.downstream.resetAndDestroy();
      link.upstream?.resetAndDestroy();
      lost();
      return;
    }
    if (this.reshaping !== undefined) {
      const reshaped = direction === 'up' ? link.reshapedUp : link.reshapedDown;
      reshaped.held.push(chunk);
      this.passPiece(link, reshaped, queue, this.reshaping);
      return;
    }
    if (degradation === undefined) {
      queue.push(chunk);
      this.flush(link);
      return;
    }
    if (Math.random() < degradation.resetRate) {
      this.resets += 1;
      this.links.delete(link);
      link.downstream.resetAndDestroy();
      link.upstream?.resetAndDestroy();
      return;
    }
    // One timer per direction, releasing chunks in arrival order: separate timers per chunk can
    // fire out of order, and TCP never reorders bytes.
    const delayed = direction === 'up' ? link.delayedUp : link.delayedDown;
    const last = delayed.chunks[delayed.chunks.length - 1]?.due ?? 0;
    delayed.chunks.push({
      due: Math.max(last, performance.now() + degradation.minDelayMs + Math.random() * (degradation.maxDelayMs - degradation.minDelayMs)),
      chunk,
    });
    this.pump(link, delayed, queue);
  }

  private pump(link: Link, delayed: Delayed, queue: Buffer[]): void {
    if (delayed.timer !== undefined || delayed.chunks.length === 0) return;
    delayed.timer = setTimeout(
      () => {
        delayed.timer = undefined;
        const now = performance.now();
        while (delayed.chunks.length > 0 && delayed.chunks[0]!.due <= now + 1) queue.push(delayed.chunks.shift()!.chunk);
        this.flush(link);
        this.pump(link, delayed, queue);
      },
      Math.max(0, delayed.chunks[0]!.due - performance.now()),
    );
  }

  private passPiece(link: Link, reshaped: Reshaped, queue: Buffer[], reshaping: Reshaping): void {
    if (reshaped.scheduled || reshaped.held.length === 0) return;
    reshaped.scheduled = true;
    const pass = (): void => {
      reshaped.scheduled = false;
      const held = reshaped.held.length === 1 ? reshaped.held[0]! : Buffer.concat(reshaped.held);
      const shape = Math.random();
      const size =
        shape < 0.6 ? 1 + Math.floor(Math.random() * 8) : shape < 0.95 ? 1 + Math.floor(Math.random() * Math.min(held.length, 64 * 1024)) : held.length;
      const piece = held.subarray(0, Math.min(size, held.length));
      reshaped.held = piece.length < held.length ? [held.subarray(piece.length)] : [];
      this.piecesPassed += 1;
      if (piece.length <= 8) this.tinyPieces += 1;
      if (queue === link.toDownstream) this.flipBitOnce(piece, reshaping);
      queue.push(piece);
      this.flush(link);
      this.passPiece(link, reshaped, queue, reshaping);
    };
    // Most pieces follow at once (a separate write), some after a delay that lets more bytes gather.
    if (Math.random() < 0.7) setImmediate(pass);
    else setTimeout(pass, Math.random() * reshaping.maxDelayMs);
  }

  private bytesDown = 0;

  private flipBitOnce(piece: Buffer, reshaping: Reshaping): void {
    const at = reshaping.flipBitDownAfter;
    if (at !== undefined && this.bytesDown <= at && this.bytesDown + piece.length > at) piece[at - this.bytesDown]! ^= 0x10;
    this.bytesDown += piece.length;
  }

  private flush(link: Link): void {
    if (this.blackholed || link.upstream === undefined || link.upstream.connecting) return;
    for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk);
    for (const chunk of link.toDownstream.splice(0)) link.downstream.write(chunk);
  }

  /** One end went away: close the other once what it was owed (if not blackholed) is written. */
  private drop(link: Link): void {
    if (this.blackholed) {
      link.closing = true;
      return;
    }
    if (!this.links.delete(link)) return;
    this.flush(link);
    link.downstream.end();
    link.upstream?.end();
  }

  async close(): Promise<void> {
    for (const link of this.links) {
      link.downstream.destroy();
      link.upstream?.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
