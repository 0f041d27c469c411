import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import { startBroker } from '../support/in-process-broker.js';
import { WireSession, put, scanPartition } from '../support/wire-client.js';

/** A raw connection from a loopback address of our choosing (Linux answers on all of 127/8). */
async function open(port: number, from: string): Promise<Socket & { text: () => string }> {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return Object.assign(socket, { text: () => received });
}

/** Send `version` and wait for the broker's answer: the connection is served. */
async function served(socket: Socket & { text: () => string }): Promise<void> {
  const before = socket.text().length;
  socket.write('version 7\r\n');
  while (!/result 200 \d+ 7\r\n/.test(socket.text().slice(before))) await once(socket, 'data');
}

/** Everything the broker said before closing the connection. */
async function refusal(socket: Socket & { text: () => string }): Promise<string> {
  if (!socket.destroyed && socket.readyState !== 'closed') await once(socket, 'close');
  return socket.text();
}

describe('connection limits and slow senders', { timeout: 30_000 }, () => {
  it('refuses connections over maxConnectionsPerIp and maxConnections with the reason, serving the others', async () => {
    const broker = await startBroker({ maxConnections: 3, maxConnectionsPerIp: 2 });
    const opened: Socket[] = [];
    try {
      const a = await open(broker.port, '127.0.0.1');
      const b = await open(broker.port, '127.0.0.1');
      opened.push(a, b);
      await served(a);
      await served(b);
      const third = await open(broker.port, '127.0.0.1');
      assert.match(await refusal(third), /^result 503 \d+ 2147483647\r\n127\.0\.0\.1 already has 2 connections to this broker \(maxConnectionsPerIp\)/);

      const other = await open(broker.port, '127.0.0.2');
      opened.push(other);
      await served(other);
      const fourth = await open(broker.port, '127.0.0.3');
      assert.match(await refusal(fourth), /this broker already has 3 connections \(maxConnections\); close connections you do not need/);
      assert.deepEqual(broker.counters.refusedConnections, { total: 1, perIp: 1 });
      await served(a); // the open connections were not touched

      a.destroy();
      const again = await (async () => {
        for (let attempt = 0; attempt < 100; attempt += 1) {
          const socket = await open(broker.port, '127.0.0.1');
          // The broker may not have seen `a` close yet: a refused attempt is closed, try again.
          const closed = once(socket, 'close').then(() => 'closed' as const);
          const answered = served(socket).then(() => 'served' as const);
          if ((await Promise.race([closed, answered])) === 'served') return socket;
        }
        throw new Error('a connection from 127.0.0.1 was still refused after one closed');
      })();
      opened.push(again);
    } finally {
      for (const socket of opened) socket.destroy();
      await broker.stop();
    }
  });

  it('closes a connection whose command line does not arrive within headerTimeoutMs, and only that one', async () => {
    const broker = await startBroker({ headerTimeoutMs: 200 });
    const steady = await open(broker.port, '127.0.0.1');
    try {
      const slow = await open(broker.port, '127.0.0.1');
      slow.write('vers'); // and nothing more
      assert.match(await refusal(slow), /^result 408 \d+ 2147483647\r\na command line must arrive within 200 ms of its first byte \(headerTimeoutMs\)/);
      assert.equal(broker.counters.headerTimeouts, 1);
      // A line sent in pieces, each in time, is served.
      steady.write('vers');
      steady.write('ion 7\r\n');
      while (!/result 200 \d+ 7\r\n/.test(steady.text())) await once(steady, 'data');
      await served(steady);
      assert.equal(broker.counters.headerTimeouts, 1);
    } finally {
      steady.destroy();
      await broker.stop();
    }
  });

  it('answers requests past maxInFlightRequests on a connection with 503 broker busy, storing none of them, and serves it again once replies arrive', async () => {
    // Group commit (the in-process default) keeps each put unanswered until its fsync, so the ones
    // read together pile up; an acked put is then visible at once.
    const broker = await startBroker({ maxInFlightRequests: 2 });
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(`message ${i}`));
      const replies = await Promise.all(
        session.requestTogether(
          bodies.map((body) => (opaque) => ({ kind: 'put', topic: 'busy', partition: 0, flag: 0, checksum: checksum(body), txKey: undefined, opaque, body })),
        ),
      );
      const codes = replies.map((reply) => (reply.kind === 'result' ? reply.code : 0));
      const refused = replies.filter((reply) => reply.kind === 'result' && reply.code === 503);
      assert.ok(refused.length >= 1, `some of 8 puts read together were refused: ${codes.join(',')}`);
      assert.equal(codes.filter((code) => code === 200).length + refused.length, 8);
      for (const reply of refused)
        assert.match(reply.body.toString(), /^broker busy: this connection already has 2 requests waiting for replies \(maxInFlightRequests\)/);
      assert.equal(broker.counters.busyRefusals, refused.length);

      assert.equal((await put(session, 'busy', 0, 'after the replies')).code, 200);
      const stored = (await scanPartition(session, 'busy', 0)).map((record) => record.payload);
      const accepted = bodies.filter((_, i) => codes[i] === 200).map(String);
      assert.deepEqual(stored, [...accepted, 'after the replies'], 'only the accepted puts are stored, in order');
    } finally {
      await session.close();
      await broker.stop();
    }
  });
});
