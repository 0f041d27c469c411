import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerCounters } from './stats/broker-counters.js';

/** The `[system]` limits a door applies. */
export interface AdmissionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  handshakeTimeoutMs: number;
}

/**
 * Who may hold a socket on one door (the broker's ports, or the HTTP port): every accepted
 * socket counts against maxConnections and maxConnectionsPerIp from its first byte until it
 * closes, a TLS handshake included, and a handshake must finish within handshakeTimeoutMs
 * (node's own handshake timeout only reports, it closes nothing). So sockets that never finish
 * a handshake can neither pile up nor take the descriptors other clients need.
 */
export class ConnectionAdmission {
  private open = 0;
  private readonly byIp = new Map<string, number>();
  /** TLS sockets still in their handshake, by `address|port`, with the timer that ends them. */
  private readonly handshakes = new Map<string, { raw: Socket; timer: NodeJS.Timeout | undefined }>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly counters: BrokerCounters,
    private readonly logger: Logger,
    /** Told the number of sockets open after each change (the broker's `curr_connections`). */
    private readonly onCount: (open: number) => void = () => undefined,
  ) {}

  /**
   * Count a socket that just connected; over a limit, `refuse` it with the reason instead (and
   * count that). Returns whether it was admitted.
   */
  admit(socket: Socket, refuse: (socket: Socket, reason: string) => void): boolean {
    const address = socket.remoteAddress ?? '?';
    const { maxConnections, maxConnectionsPerIp } = this.limits;
    let reason: string | undefined;
    if (maxConnections > 0 && this.open >= maxConnections) {
      this.counters.refusedConnections.total += 1;
      reason = `this broker already has ${maxConnections} connections (maxConnections)`;
    } else if (maxConnectionsPerIp > 0 && (this.byIp.get(address) ?? 0) >= maxConnectionsPerIp) {
      this.counters.refusedConnections.perIp += 1;
      reason = `${address} already has ${maxConnectionsPerIp} connections to this broker (maxConnectionsPerIp)`;
    }
    if (reason !== undefined) {
      this.logger.warn({ component: 'broker', remote: address, reason }, 'connection refused');
      socket.on('error', () => undefined);
      refuse(socket, reason);
      return false;
    }
    this.open += 1;
    this.byIp.set(address, (this.byIp.get(address) ?? 0) + 1);
    this.onCount(this.open);
    socket.once('close', () => {
      this.open -= 1;
      const left = (this.byIp.get(address) ?? 1) - 1;
      if (left === 0) this.byIp.delete(address);
      else this.byIp.set(address, left);
      this.onCount(this.open);
    });
    return true;
  }

  /**
   * Guard a TLS server: raw sockets are admitted before their handshake (a refused one is
   * closed: it cannot read a reply before the handshake) and timed until it finishes.
   */
  guardTls(server: Server): void {
    server.on('connection', (raw: Socket) => {
      if (this.admit(raw, (refused) => refused.destroy())) this.timeHandshake(raw);
    });
    server.on('secureConnection', (secured: Socket) => this.handshakeEnded(keyOf(secured)));
  }

  /** Guard a plain server whose own listener comes first (the HTTP port): a refused socket gets `refuse`. */
  guardPlain(server: Server, refuse: (socket: Socket, reason: string) => void): void {
    server.on('connection', (socket: Socket) => void this.admit(socket, refuse));
  }

  /** Close every socket still in its handshake (the broker is stopping: nothing was asked of it yet). */
  closeHandshakes(): void {
    for (const { raw } of [...this.handshakes.values()]) raw.destroy();
  }

  private timeHandshake(raw: Socket): void {
    const key = keyOf(raw);
    const limitMs = this.limits.handshakeTimeoutMs;
    this.counters.tlsHandshakesInProgress += 1;
    const expire = (): void => {
      this.handshakeEnded(key);
      this.counters.tlsHandshakeTimeouts += 1;
      this.logger.info(
        { component: 'broker', remote: raw.remoteAddress, limitMs },
        'TLS handshake not finished within handshakeTimeoutMs: closing the connection',
      );
      raw.destroy();
    };
    this.handshakes.set(key, { raw, timer: limitMs === 0 ? undefined : setTimeout(expire, limitMs).unref() });
    raw.once('close', () => this.handshakeEnded(key));
  }

  private handshakeEnded(key: string): void {
    const handshake = this.handshakes.get(key);
    if (handshake === undefined) return;
    clearTimeout(handshake.timer);
    this.handshakes.delete(key);
    this.counters.tlsHandshakesInProgress -= 1;
  }
}

/** A connection's identity while it is open: its peer's address and port. */
function keyOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? '?'}`;
}
