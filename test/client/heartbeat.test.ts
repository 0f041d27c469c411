import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { MetaqClient, RequestTimeoutError } from '../../src/client/index.js';
import { BrokerConnection } from '../../src/client/transport/broker-connection.js';
import { parseBrokerUrl } from '../../src/client/transport/broker-address.js';

/** A "broker" that accepts connections and reads everything but never answers: a half-open peer. */
async function silentBroker(): Promise<{ port: number; connections: () => number; received: () => string; close: () => Promise<void> }> {
  let connections = 0;
  let received = '';
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('heartbeats and half-open connections (K11)', { timeout: 30_000 }, () => {
  it('a request to a silent broker fails with a timeout, not a hang', async () => {
    const broker = await silentBroker();
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    try {
      await assert.rejects(client.producer().send({ topic: 't', data: 'x' }, { timeoutMs: 300 }), RequestTimeoutError);
    } finally {
      // Closed even when the assertion fails: a listening server would keep the test file running.
      await client.close();
      await broker.close();
    }
  });

  it('an idle connection sends version; no answer drops it and reconnects', async () => {
    const broker = await silentBroker();
    const connection = new BrokerConnection(parseBrokerUrl(`meta://127.0.0.1:${broker.port}`), {
      heartbeatIdleMs: 200,
      heartbeatTimeoutMs: 200,
      reconnectInitialMs: 20,
      reconnectMaxMs: 50,
    });
    await connection.waitConnected(5000);
    // Bounded wait for the condition: a heartbeat went out and, unanswered, caused a reconnect.
    for (let tries = 0; tries < 200 && broker.connections() < 2; tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.match(broker.received(), /^version -?\d+\r\n/);
    assert.ok(broker.connections() >= 2, 'the client reconnected after the unanswered heartbeat');
    await connection.close();
    await broker.close();
  });
});
