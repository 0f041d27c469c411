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
}

interface Delayed {
  chunks: Array<{ due: number; chunk: Buffer }>;
  timer: NodeJS.Timeout | undefined;
}

/** A degraded link: every chunk is delayed by a random time in [minDelayMs, maxDelayMs], and a fraction of chunks resets the connection. */
export interface Degradation {
  minDelayMs: number;
  maxDelayMs: number;
  resetRate: number;
}

/**
 * A TCP proxy on loopback that can blackhole traffic: while blackholed it moves no bytes in
 * either direction and sends no RST, as a network partition looks to both ends (new connections
 * are accepted but not forwarded). `heal()` delivers what was held, as TCP retransmission would.
 */
export class FaultProxy {
  private blackholed = false;
  private degradation: Degradation | undefined;
  private readonly links = new Set<Link>();
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

  /** Delay and reset traffic (matrix N5) until `heal`. */
  degrade(degradation: Degradation): void {
    this.degradation = degradation;
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
    const link: Link = { downstream, upstream: undefined, toUpstream: [], toDownstream: [], closing: false, delayedUp: { chunks: [], timer: undefined }, delayedDown: { chunks: [], timer: undefined } };
    this.links.add(link);
    downstream.on('data', (chunk: Buffer) => this.carry(link, chunk, 'up'));
    downstream.on('error', () => this.drop(link));
    downstream.on('close', () => this.drop(link));
    if (!this.blackholed) this.open(link);
  }

  private open(link: Link): void {
    const upstream = connect(this.target);
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
    delayed.chunks.push({ due: Math.max(last, performance.now() + degradation.minDelayMs + Math.random() * (degradation.maxDelayMs - degradation.minDelayMs)), chunk });
    this.pump(link, delayed, queue);
  }

  private pump(link: Link, delayed: Delayed, queue: Buffer[]): void {
    if (delayed.timer !== undefined || delayed.chunks.length === 0) return;
    delayed.timer = setTimeout(() => {
      delayed.timer = undefined;
      const now = performance.now();
      while (delayed.chunks.length > 0 && delayed.chunks[0]!.due <= now + 1) queue.push(delayed.chunks.shift()!.chunk);
      this.flush(link);
      this.pump(link, delayed, queue);
    }, Math.max(0, delayed.chunks[0]!.due - performance.now()));
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
