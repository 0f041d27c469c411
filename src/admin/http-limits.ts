import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Broker } from '../broker/broker.js';
import type { SystemConfig } from '../broker/config/config-keys.js';
import { ConnectionAdmission } from '../broker/connection-admission.js';

/**
 * The HTTP port's time limits, from the broker's own (`[system]`), as fastify options: a request
 * must arrive within headerTimeoutMs + bodyTimeoutMs, a socket idle for idleTimeoutMs is closed.
 * Node closes such connections with a 408 or without a word, as HTTP clients expect.
 */
export function httpTimeouts(system: SystemConfig): { connectionTimeout: number; requestTimeout: number } {
  const requestTimeout = system.headerTimeoutMs === 0 || system.bodyTimeoutMs === 0 ? 0 : system.headerTimeoutMs + system.bodyTimeoutMs;
  return { connectionTimeout: system.idleTimeoutMs, requestTimeout };
}

/**
 * The HTTP port's connection limits: maxConnections and maxConnectionsPerIp count its sockets
 * (apart from the broker ports', so a full broker port still leaves the console reachable), TLS
 * handshakes included, and a handshake must finish within handshakeTimeoutMs.
 */
export function limitHttpConnections(server: Server, broker: Broker, secure: boolean): void {
  const system = broker.config.system;
  if (system.headerTimeoutMs > 0) server.headersTimeout = system.headerTimeoutMs;
  const admission = new ConnectionAdmission(system, broker.counters, broker.logger);
  if (!secure) {
    admission.guardPlain(server, refuseHttp);
    return;
  }
  admission.guardTls(server);
  server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
}

function refuseHttp(socket: Socket, reason: string): void {
  const text = `${reason}; close connections you do not need\n`;
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}
