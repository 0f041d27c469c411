import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { ValueCommand } from '../../src/protocol/commands.js';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { iterateRecords } from '../../src/protocol/record.js';
import { startBroker } from '../support/in-process-broker.js';
import { tempDir } from '../support/broker-process.js';
import { GatedWritesIO } from '../support/gated-writes-io.js';
import { silentLogger } from '../support/storage-harness.js';
import { eventually } from '../support/eventually.js';

const COUNT = 40_000;
const text = (n: number): string => `r${n}:`.padEnd(300, String.fromCharCode(65 + (n % 26)));

/**
 * The broker reads gets from disk into pooled buffers and takes each back only when the socket
 * has sent it: many large gets in flight at once must each carry their own bytes.
 */
describe('gets served from reused read buffers', { timeout: 60_000 }, () => {
  let broker: Broker;

  before(async () => {
    // No tail cache: every get is a file read into a pooled buffer.
    broker = await startBroker({ numPartitions: 1, tailCacheBytes: 0, unflushThreshold: 1 });
    const client = new MetaqClient({ serverUrl: broker.url });
    const producer = client.producer();
    for (let from = 0; from < COUNT; from += 1000)
      await producer.sendBatch(Array.from({ length: 1000 }, (_, k) => ({ topic: 'pooled', data: text(from + k) })));
    await client.close();
  });
  after(() => broker.stop());

  it('answers 32 pipelined 1 MiB gets read while the client reads nothing, each with the messages at its own offset', async () => {
    const record = 20 + 300;
    // Just under 1 MiB: the first 16 replies stay below the 16 MiB of unsent replies at which the
    // broker stops reading even when the kernel has taken none of them yet (16 full MiB and their
    // headers passed it, and whether the second 16 gets were read then hung on the kernel).
    const maxSize = 1024 * 1024 - 4096;
    const offsets = Array.from({ length: 32 }, (_, k) => ((k * 7) % 32) * 1000 * record);
    const socket = connect({ host: '127.0.0.1', port: broker.port });
    const decoder = new CommandDecoder({ maxBodyBytes: 2 * 1024 * 1024 });
    const replies: ValueCommand[] = [];
    socket.on('data', (chunk: Buffer) => replies.push(...(decoder.push(chunk) as ValueCommand[])));
    try {
      await once(socket, 'connect');
      // Not reading, the client lets nearly 32 MiB of replies pile up in the broker's socket, more
      // than the kernel's buffers take; the second 16 gets are asked for once the first 16 were
      // read and wait there, so a buffer given back before its reply was sent is read into again.
      socket.pause();
      const served = (): number => broker.traffic.of('pooled', 0).getBytes;
      const before = served();
      const ask = (from: number): boolean =>
        socket.write(
          offsets
            .slice(from, from + 16)
            .map((offset, k) => `get pooled g 0 ${offset} ${maxSize} ${from + k}\r\n`)
            .join(''),
        );
      ask(0);
      await eventually(() => served() - before >= 16 * (maxSize - record), 'the broker read the first 16 gets');
      ask(16);
      await eventually(() => served() - before >= 32 * (maxSize - record), 'the broker read all 32 gets');
      socket.resume();
      await eventually(() => replies.length === 32, 'all 32 replies');
      replies.forEach((reply) => {
        assert.equal(reply.kind, 'value', `get ${reply.opaque}`);
        const records = [...iterateRecords(reply.body)];
        const first = offsets[reply.opaque]! / record;
        assert.ok(records.length > 3000, `get ${reply.opaque} carries its whole fetch (${records.length} records)`);
        records.forEach((r, n) => assert.equal(r.payload.toString(), text(first + n), `get ${reply.opaque}, message ${first + n}`));
      });
    } finally {
      socket.destroy();
    }
  });
});

/**
 * A producer's sets that outgrow 16 KiB are built in full-size buffers it reuses once the broker
 * acknowledged them: what is stored must be exactly what was sent, round after round.
 */
describe('producer sets built in reused buffers', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({ numPartitions: 1 });
    client = new MetaqClient({ serverUrl: broker.url });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('stores every message of rounds of 2,000 1 KiB sends, each round a turn after the last, as sent and in order', async () => {
    const body = (n: number): string => `s${n}:`.padEnd(1024, String.fromCharCode(97 + (n % 26)));
    const producer = client.producer();
    const rounds = 8;
    // 16 MiB sent faster than the kernel takes it: sets of a round wait in the socket's queue
    // while the next round builds its sets, so a buffer reused before its ack would change them.
    const sends: Array<Promise<unknown>> = [];
    for (let round = 0; round < rounds; round += 1) {
      for (let k = 0; k < 2000; k += 1) sends.push(producer.send({ topic: 'sets', data: body(round * 2000 + k) }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sends);
    const session = new MetaqClient({ serverUrl: broker.url });
    const consumer = session.consumer({ group: 'check', offsetStorage: new MemoryOffsetStorage(), maxDelayFetchMs: 20 }).subscribe('sets');
    const seen: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run((message) => {
      seen.push(message.data.toString());
      if (seen.length === rounds * 2000) done();
    });
    await finished;
    await session.close();
    const wrong = seen.flatMap((text, n) => (text === body(n) ? [] : [n]));
    assert.deepEqual(wrong, [], 'messages stored differently from how they were sent');
  });
});

/**
 * The body of a batched put goes into a pooled buffer that the log hands back once the set is
 * written: sets that arrive while an earlier one waits for a slow disk must each keep their own.
 */
describe('set bodies reused once written', { timeout: 60_000 }, () => {
  let broker: Broker;
  const io = new GatedWritesIO();

  before(async () => {
    const config = parseBrokerConfig(`[system]\ndataPath=${tempDir('data')}\nserverPort=0\nnumPartitions=1\n[topic=*]\n`, 'test.ini');
    broker = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1', io });
  });
  after(() => broker.stop());

  it('stores 8 sets of 200 KiB sent while the first one is held at the disk, each as sent', async () => {
    const client = new MetaqClient({ serverUrl: broker.url });
    const body = (n: number): string => `b${n}:`.padEnd(1000, String.fromCharCode(97 + (n % 26)));
    try {
      const producer = client.producer();
      // The partition's log exists before the sets arrive, so each is stored as soon as it is read.
      await producer.send({ topic: 'held', data: 'first' });
      io.hold();
      const sets = Array.from({ length: 8 }, (_, s) => producer.sendBatch(Array.from({ length: 200 }, (_, k) => ({ topic: 'held', data: body(s * 200 + k) }))));
      // Every set read by the broker while the first write waits: a body given back too early is read into again.
      await eventually(() => broker.counters.cmdPut === 1601 && io.waiting > 0, 'the broker read all 8 sets with a write held');
      io.release();
      await Promise.all(sets);
      const seen: string[] = [];
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const consumer = client.consumer({ group: 'check', offsetStorage: new MemoryOffsetStorage(), maxDelayFetchMs: 20 }).subscribe('held');
      await consumer.run((message) => {
        seen.push(message.data.toString());
        if (seen.length === 1601) done();
      });
      await finished;
      const wrong = seen.slice(1).flatMap((text, n) => (text === body(n) ? [] : [n]));
      assert.deepEqual(wrong, [], 'messages stored differently from how they were sent');
    } finally {
      io.release();
      await client.close();
    }
  });
});
