import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Broker } from '../../src/broker/broker.js';
import { InvalidArgumentError, MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { ReceivedMessage, SendResult } from '../../src/client/index.js';
import { idTimeMs } from '../../src/common/id-generator.js';
import { CLI } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';

const run = promisify(execFile);

/** The wall clock has moved past `time` (ids carry milliseconds: later sends get later times). */
const after_ = (time: number): Promise<void> => eventually(() => Date.now() > time, 'the clock moves on');

describe('seek by time (otime)', { timeout: 60_000 }, () => {
  let broker: Broker;
  let client: MetaqClient;
  let early: SendResult[];
  let late: SendResult[];
  let boundary: number;

  before(async () => {
    broker = await startBroker({ numPartitions: 1, maxSegmentSize: 4096 }, '[topic=*]\n');
    client = new MetaqClient({ serverUrl: broker.url });
    const producer = client.producer();
    early = [];
    for (let n = 0; n < 60; n += 1) early.push(await producer.send({ topic: 'events', data: `early ${n}`.padEnd(100, '.') }));
    await after_(idTimeMs(early.at(-1)!.id));
    boundary = Date.now();
    await after_(boundary);
    late = [];
    for (let n = 0; n < 60; n += 1) late.push(await producer.send({ topic: 'events', data: `late ${n}`.padEnd(100, '.') }));
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('answers the first message appended at or after a time, the start before everything and the end after it', async () => {
    assert.equal(await client.offsetForTime('events', 0, new Date(boundary)), late[0]!.offset);
    assert.equal(await client.offsetForTime('events', 0, idTimeMs(early[0]!.id) - 60_000), 0);
    assert.equal(await client.offsetForTime('events', 0, idTimeMs(early[30]!.id)), early.find((r) => idTimeMs(r.id) >= idTimeMs(early[30]!.id))!.offset);
    const end = broker.stores.find('events', 0)!.writtenEnd;
    assert.equal(await client.offsetForTime('events', 0, Date.now() + 3_600_000), end);
  });

  it('refuses a bad time and an unknown partition with clear errors', async () => {
    await assert.rejects(
      client.offsetForTime('events', 0, new Date('not a date')),
      (error: Error) => error instanceof InvalidArgumentError && /valid Date/.test(error.message),
    );
    await assert.rejects(client.offsetForTime('events', 7, new Date()), /is not exists/);
  });

  it('moves a running consumer to a time; the group resumes from there', async () => {
    const storage = new MemoryOffsetStorage();
    const seen: ReceivedMessage[] = [];
    const consumer = client.consumer({ group: 'replay', offsetStorage: storage, maxDelayFetchMs: 20 }).subscribe('events');
    await consumer.run((message) => {
      seen.push(message);
    });
    await eventually(() => seen.length >= 120, 'everything read once');
    assert.equal(await consumer.seek('events', 0, new Date(boundary)), late[0]!.offset);
    await eventually(() => seen.length >= 180, 'the late messages read again');
    await consumer.close();
    assert.deepEqual(
      seen.slice(120).map((m) => m.data.toString().trimEnd().replace(/\.+$/, '')),
      late.map((_, n) => `late ${n}`),
    );
  });

  it('keeps its answers across a broker restart (the index is read again from the segments)', async () => {
    const expected = await client.offsetForTime('events', 0, new Date(boundary));
    const port = broker.port;
    const dataPath = broker.config.system.dataPath;
    await broker.stop();
    broker = await startBroker({ numPartitions: 1, maxSegmentSize: 4096, serverPort: port, dataPath }, '[topic=*]\n');
    await eventually(
      async () => (await client.offsetForTime('events', 0, new Date(boundary)).catch(() => -1)) === expected,
      'the same offset from the restarted broker',
    );
  });

  it('metaq consume --from starts at a time; a bad time or --from with --offset is a usage error', async () => {
    const iso = new Date(boundary).toISOString();
    const { stdout } = await run(process.execPath, [CLI, 'consume', 'events', '--from', iso, '--limit', '2', '--port', String(broker.port)]);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /late 0/);
    assert.match(lines[1]!, /late 1/);
    for (const args of [
      ['--from', 'yesterday'],
      ['--from', iso, '--offset', '0'],
    ]) {
      await assert.rejects(
        run(process.execPath, [CLI, 'consume', 'events', ...args, '--port', String(broker.port)]),
        (error: { code: number; stderr: string }) => error.code === 64 && /--from/.test(error.stderr),
      );
    }
  });
});
