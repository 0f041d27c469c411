import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from '../../src/protocol/commands.js';
import { defaultBatching, PutSetBatcher } from '../../src/client/producer/put-set-batcher.js';
import { iterateRecords } from '../../src/protocol/record.js';
import type { SendResult } from '../../src/client/message.js';
import type { BrokerTransport } from '../../src/client/transport/broker-transport.js';

/** A connection that records every request and answers each set as stored at offset 0. */
function recordingConnection(): { connection: BrokerTransport; sets: number[] } {
  const sets: number[] = [];
  const connection = {
    request: (build: (opaque: number) => Command) => {
      const command = build(1);
      if (command.kind === 'mput') sets.push(command.count);
      return Promise.resolve({ kind: 'result', code: 200, opaque: 1, body: Buffer.from('7 0 0') });
    },
  } as unknown as BrokerTransport;
  return { connection, sets };
}

/** Add `count` messages of `size` bytes in one turn; resolves with every send's result. */
function addAll(batcher: PutSetBatcher, connection: BrokerTransport, count: number, size: number): Promise<SendResult[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<SendResult>((resolve, reject) =>
          batcher.add(
            connection,
            { brokerId: 0, index: 0 },
            { topic: 't', payload: Buffer.alloc(size), flag: 0, crc: 0, timeoutMs: 1000 },
            { done: (error, result) => (error === undefined ? resolve(result!) : reject(error)) },
          ),
        ),
    ),
  );
}

describe('PutSetBatcher', () => {
  it('closes a set at maxBatchMessages, so small messages go in several sets', async () => {
    const { connection, sets } = recordingConnection();
    const batcher = new PutSetBatcher({ ...defaultBatching, maxBatchMessages: 10 });
    const results = await addAll(batcher, connection, 95, 100);
    assert.deepEqual(sets, [10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    // Each set was answered at offset 0: the n-th message of a set starts 120 bytes after the one before.
    assert.deepEqual(
      results.slice(0, 3).map((r) => r.offset),
      [0, 120, 240],
    );
    assert.equal(results[10]!.offset, 0);
  });

  it('closes a set at maxBatchBytes first when its messages are large', async () => {
    const { connection, sets } = recordingConnection();
    const batcher = new PutSetBatcher({ ...defaultBatching, maxBatchBytes: 10 * 1044 });
    await addAll(batcher, connection, 25, 1024);
    assert.deepEqual(sets, [10, 10, 5]);
  });

  it('lays a batch out as sets in buffers that are reused once recycled', () => {
    const batcher = new PutSetBatcher(defaultBatching);
    const puts = Array.from({ length: 600 }, (_, n) => ({ topic: 't', payload: Buffer.alloc(1024, n % 251), flag: 0, crc: n, timeoutMs: 1000 }));
    const first = batcher.split(puts);
    assert.deepEqual(
      first.map((set) => set.count),
      [251, 251, 98],
    );
    const payloads = first.flatMap((set) => [...iterateRecords(set.records)].map((record) => record.payload[0]));
    assert.deepEqual(
      payloads,
      puts.map((put) => put.payload[0]),
      'every message, in order',
    );
    const unrecycled = batcher.split(puts);
    assert.ok(
      unrecycled.every((set) => first.every((old) => old.records.buffer !== set.records.buffer)),
      'sets still in flight are not reused',
    );
    for (const set of first) batcher.recycle(set.records);
    const again = batcher.split(puts);
    const reused = new Set(first.map((set) => set.records.buffer));
    assert.ok(reused.has(again[0]!.records.buffer) && reused.has(again[1]!.records.buffer), 'the full sets reuse recycled buffers');
    assert.deepEqual(
      again.flatMap((set) => [...iterateRecords(set.records)].map((record) => record.payload[0])),
      payloads,
    );
  });
});
