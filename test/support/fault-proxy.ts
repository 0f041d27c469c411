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
}

/**
 * A TCP proxy on loopback that can blackhole traffic: while blackholed it moves no bytes in
 * either direction and sends no RST, as a network partition looks to both ends (new connections
 * are accepted but not forwarded). `heal()` delivers what was held, as TCP retransmission would.
 */
export class FaultProxy {
  private blackholed = false;
  private readonly links = new Set<Link>();

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

  heal(): void {
    this.blackholed = false;
    for (const link of [...this.links]) {
      if (link.closing) this.drop(link);
      else if (link.upstream === undefined) this.open(link);
      else this.flush(link);
    }
  }

  private accept(downstream: Socket): void {
    const link: Link = { downstream, upstream: undefined, toUpstream: [], toDownstream: [], closing: false };
    this.links.add(link);
    downstream.on('data', (chunk: Buffer) => {
      link.toUpstream.push(chunk);
      this.flush(link);
    });
    downstream.on('error', () => this.drop(link));
    downstream.on('close', () => this.drop(link));
    if (!this.blackholed) this.open(link);
  }

  private open(link: Link): void {
    const upstream = connect(this.target);
    link.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      link.toDownstream.push(chunk);
      this.flush(link);
    });
    upstream.on('connect', () => this.flush(link));
    upstream.on('error', () => this.drop(link));
    upstream.on('close', () => this.drop(link));
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
