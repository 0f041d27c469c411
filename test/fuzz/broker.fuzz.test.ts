import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { startBroker } from '../support/in-process-broker.js';
import { WireSession, put, scanPartition } from '../support/wire-client.js';
import { wireStream } from './corpus.js';
import { fuzzParameters } from './fuzz-budget.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Send bytes on a fresh connection, then close our side and wait until the broker closed its. */
async function sendAndHangUp(port: number, bytes: Buffer): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const closed = once(socket, 'close');
  await once(socket, 'connect').catch(() => undefined);
  socket.end(bytes);
  await closed;
}

describe('fuzz: a live broker fed hostile bytes', { timeout: 600_000 }, () => {
  it('never crashes, keeps serving, keeps what it acked byte for byte, and holds no memory for closed connections', async () => {
    // Small limits so the fuzzer reaches them; the commands' handlers run for real.
    const broker = await startBroker(
      { maxRequestBodySize: 64 * 1024, maxHeaderLength: 512, numPartitions: 2, headerTimeoutMs: 0 },
      '[topic=control]\n[topic=*]\n',
    );
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      for (let i = 0; i < 50; i += 1) assert.equal((await put(session, 'control', 0, `acked ${i}`)).code, 200);
      const acked = await scanPartition(session, 'control', 0);
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(wireStream, async (bytes) => {
          runs += 1;
          await sendAndHangUp(broker.port, bytes);
        }),
        fuzzParameters(),
      );
      // Still serving, on a new connection and on the one opened before.
      const fresh = await WireSession.open('127.0.0.1', broker.port);
      assert.equal((await put(fresh, 'control', 0, 'after the fuzz')).code, 200);
      await fresh.close();
      const after = await scanPartition(session, 'control', 0);
      assert.deepEqual(after.slice(0, acked.length), acked, 'every acked message is where it was, unchanged');
      assert.ok(
        after.every((record) => record.intact),
        'every stored record passes its checksum',
      );
      assert.ok(runs > 10, `the fuzzer ran (${runs} connections)`);
      // Every fuzz connection is gone, and nothing it sent is kept (waiting puts, buffers, transactions).
      assert.equal(broker.counters.currentConnections, 1);
      gc();
      const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
      assert.ok(grownMb < 64, `heap grew ${grownMb.toFixed(1)} MiB over ${runs} connections`);
    } finally {
      await session.close();
      await broker.stop();
    }
  });
});
