import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TlsMaterial } from './config/tls-material.js';
import { tlsServerOptions } from './config/tls-material.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { BrokerContext } from './broker-context.js';
import type { ListenerKind } from './connection.js';
import { ClientConnection } from './connection.js';
import { ConnectionAdmission } from './connection-admission.js';
import { DEFAULT_OPAQUE } from '../protocol/commands.js';
import { encodeResult } from '../protocol/encoder.js';
import { Status } from '../protocol/status.js';

/**
 * Close a plaintext connection over a connection limit at once, with a reply saying why; the
 * connections already open are not touched.
 */
function refuseWithReply(socket: Socket, reason: string): void {
  socket.end(encodeResult(Status.serviceUnavailable, DEFAULT_OPAQUE, `${reason}; close connections you do not need, or use another broker`), () =>
    socket.destroy(),
  );
}

/**
 * Connections the kernel queues before the broker accepts them. Node's default of 511
 * overflowed when thousands of clients connected at once (after a restart, or a fleet starting):
 * the kernel dropped or reset the rest. Linux caps it at net.core.somaxconn (4,096 by default).
 */
const LISTEN_BACKLOG = 4096;

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function portOf(server: Server | undefined): number | undefined {
  return (server?.address() as AddressInfo | null | undefined)?.port;
}

/**
 * The broker's client ports and the connections they accepted: the broker port (TLS when `[tls]`
 * has a certificate), `[tls] plainPort` beside it, and `[auth] legacyPort` for old MetaQ clients
 * without login. Connection limits and TLS handshake times are checked on all of them.
 */
export class BrokerListeners {
  /** The broker port: TLS when `[tls]` has a certificate. */
  private readonly server: Server;
  /** `[tls] plainPort`: plaintext beside TLS, for clients that cannot speak it. */
  private readonly plainServer: Server | undefined;
  /** `[auth] legacyPort`: plaintext, no login, for old MetaQ clients. */
  private readonly legacyServer: Server | undefined;
  private readonly connections = new Set<ClientConnection>();
  private readonly admission: ConnectionAdmission;

  constructor(
    private readonly config: BrokerConfig,
    context: BrokerContext,
    tls: TlsMaterial | undefined,
  ) {
    const { counters, logger } = context;
    this.admission = new ConnectionAdmission(config.system, counters, logger, (open) => (counters.currentConnections = open));
    const accept = (socket: Socket, listener: ListenerKind = {}): void => {
      this.connections.add(new ClientConnection(socket, context, (closed) => this.connections.delete(closed), listener));
    };
    const acceptPlain = (socket: Socket, listener: ListenerKind = {}): void => {
      if (this.admission.admit(socket, refuseWithReply)) accept(socket, listener);
    };
    if (tls === undefined) this.server = createServer((socket) => acceptPlain(socket));
    else {
      // Admitted and timed from the first byte of the handshake (the admission), served once it finished.
      this.server = createTlsServer(tlsServerOptions(tls), (socket) => accept(socket));
      this.admission.guardTls(this.server);
      // A failed handshake (wrong CA, no client certificate, plaintext on the TLS port) touches no one else.
      this.server.on('tlsClientError', (error: Error, socket: Socket) => {
        counters.tlsHandshakeFailures += 1;
        logger.info({ component: 'broker', remote: socket.remoteAddress, reason: error.message }, 'TLS handshake failed');
        socket.destroy();
      });
    }
    this.plainServer = config.tls.plainPort > 0 ? createServer((socket) => acceptPlain(socket)) : undefined;
    const legacyUser = config.auth.legacyUser;
    this.legacyServer = context.users !== undefined && config.auth.legacyPort > 0 ? createServer((socket) => acceptPlain(socket, { legacyUser })) : undefined;
  }

  /** Listen on every port, or on none: a port that is taken closes the ones already listening. */
  async listen(host: string): Promise<void> {
    try {
      await listenOn(this.server, this.config.system.serverPort, host);
      if (this.plainServer !== undefined) await listenOn(this.plainServer, this.config.tls.plainPort, host);
      if (this.legacyServer !== undefined) await listenOn(this.legacyServer, this.config.auth.legacyPort, host);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Stop accepting, let every open connection finish its in-flight requests, and close it. */
  async close(): Promise<void> {
    const closed = Promise.all(
      [this.server, this.plainServer, this.legacyServer].map(
        (server) => new Promise<void>((resolve) => (server?.listening === true ? server.close(() => resolve()) : resolve())),
      ),
    );
    this.admission.closeHandshakes(); // else server.close() waits for them until handshakeTimeoutMs
    await Promise.all([...this.connections].map((connection) => connection.drainAndClose()));
    await closed;
  }

  /** The broker port as bound (the configured one before listening). */
  get port(): number {
    return portOf(this.server) ?? this.config.system.serverPort;
  }

  /** The port for old MetaQ clients (`[auth] legacyPort`), if there is one. */
  get legacyPort(): number | undefined {
    return portOf(this.legacyServer);
  }

  /** The plaintext port beside TLS (`[tls] plainPort`), if there is one. */
  get plainPort(): number | undefined {
    return portOf(this.plainServer);
  }

  /** Open client connections per client IP address, most first. */
  connectionsByAddress(): Array<{ address: string; connections: number }> {
    const counts = new Map<string, number>();
    for (const connection of this.connections) counts.set(connection.remoteAddress, (counts.get(connection.remoteAddress) ?? 0) + 1);
    return [...counts].map(([address, connections]) => ({ address, connections })).sort((a, b) => b.connections - a.connections);
  }
}
