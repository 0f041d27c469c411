import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { BrokerError, InvalidArgumentError, MetaqClient } from '../../src/client/index.js';
import { idTimeMs } from '../../src/common/id-generator.js';
import { eventually } from '../support/eventually.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { silentLogger } from '../support/storage-harness.js';
import { scanPartition, WireSession } from '../support/wire-client.js';
import { stateDirectory } from '../../src/broker/state-directory.js';

const START = Date.parse('2026-11-24T10:00:00Z');
const MINUTE = 60_000;

/** A wall clock the test sets; monotonic time runs as usual (timeouts still work). */
class SetClock {
  constructor(public nowMs: number) {}
  wallMs = (): number => this.nowMs;
  monotonicMs = (): number => performance.now();
}

async function startAt(clock: SetClock, dataPath: string, extra = ''): Promise<Broker> {
  const config = parseBrokerConfig(`[system]\ndataPath=${dataPath}\nserverPort=0\nunflushThreshold=0\n${extra}[topic=later]\nnumPartitions=1\n`, 'test.ini');
  return Broker.start({ config, logger: silentLogger, host: '127.0.0.1', clock });
}

async function stored(port: number, topic = 'later'): Promise<Array<{ payload: string; id: bigint }>> {
  const session = await WireSession.open('127.0.0.1', port);
  try {
    return (await scanPartition(session, topic, 0)).map(({ payload, id }) => ({ payload, id: id ?? -1n }));
  } finally {
    await session.close();
  }
}

describe('delayed and scheduled messages', () => {
  after(killAllBrokers);

  it('delivers each message when the broker clock passes its time, in time order, with ids of the delivery time', async () => {
    const clock = new SetClock(START);
    const broker = await startAt(clock, tempDir('delayed'));
    const client = new MetaqClient({ serverUrl: broker.url, partitions: { later: 1 } });
    try {
      const producer = client.producer();
      // The client reads its own clock for delayMs; `at` is what the broker's clock is compared with.
      const ten = await producer.schedule({ topic: 'later', data: 'at 10:10' }, { at: new Date(START + 10 * MINUTE) });
      await producer.schedule({ topic: 'later', data: 'at 10:05' }, { at: START + 5 * MINUTE });
      assert.deepEqual(ten.partition, { brokerId: 0, index: 0 });
      assert.equal(ten.deliverAt.getTime(), START + 10 * MINUTE);
      assert.equal(broker.delayed.pending, 2);
      assert.deepEqual(await stored(broker.port), [], 'nothing is visible before its time');

      clock.nowMs = START + 5 * MINUTE;
      await eventually(async () => (await stored(broker.port)).length === 1, 'the 10:05 message delivered');
      clock.nowMs = START + 10 * MINUTE + 1;
      await eventually(async () => (await stored(broker.port)).length === 2, 'the 10:10 message delivered');
      const messages = await stored(broker.port);
      assert.deepEqual(
        messages.map((m) => m.payload),
        ['at 10:05', 'at 10:10'],
      );
      assert.ok(idTimeMs(messages[0]!.id) >= START + 5 * MINUTE, 'the id tells when it became visible');
      assert.equal(broker.delayed.pending, 0);
    } finally {
      await client.close();
      await broker.stop();
    }
  });

  it('follows clock jumps: forward releases all that is due, back holds messages until their time comes again', async () => {
    const clock = new SetClock(START);
    const broker = await startAt(clock, tempDir('delayed-jump'));
    const client = new MetaqClient({ serverUrl: broker.url, partitions: { later: 1 } });
    try {
      const producer = client.producer();
      for (const minutes of [1, 30, 60 * 24]) await producer.schedule({ topic: 'later', data: `+${minutes}m` }, { at: START + minutes * MINUTE });
      clock.nowMs = START + 2 * 60 * MINUTE; // two hours forward
      await eventually(async () => (await stored(broker.port)).length === 2, 'everything due by the new time delivered');
      assert.equal(broker.delayed.pending, 1, "tomorrow's message still waits");

      await producer.schedule({ topic: 'later', data: 'at +2h1m' }, { at: START + 121 * MINUTE });
      clock.nowMs = START; // set back two hours
      await eventually(() => broker.delayed.pending === 2, 'scheduled');
      clock.nowMs = START + 121 * MINUTE;
      await eventually(async () => (await stored(broker.port)).length === 3, 'delivered once the clock came back to its time');
      assert.deepEqual(
        (await stored(broker.port)).map((m) => m.payload),
        ['+1m', '+30m', 'at +2h1m'],
      );
    } finally {
      await client.close();
      await broker.stop();
    }
  });

  it('keeps the schedule across restarts and delivers nothing twice', async () => {
    const clock = new SetClock(START);
    const dataPath = tempDir('delayed-restart');
    let broker = await startAt(clock, dataPath);
    let client = new MetaqClient({ serverUrl: broker.url, partitions: { later: 1 } });
    await client.producer().schedule({ topic: 'later', data: 'early' }, { at: START + MINUTE });
    await client.producer().schedule({ topic: 'later', data: 'late' }, { at: START + 60 * MINUTE });
    await client.close();
    await broker.stop();

    clock.nowMs = START + 2 * MINUTE;
    broker = await startAt(clock, dataPath);
    await eventually(async () => (await stored(broker.port)).length === 1, 'the due message delivered after the restart');
    assert.equal(broker.delayed.pending, 1);
    await broker.stop();

    broker = await startAt(clock, dataPath);
    assert.equal(broker.delayed.pending, 1, 'the delivered message is not scheduled again');
    clock.nowMs = START + 61 * MINUTE;
    await eventually(async () => (await stored(broker.port)).length === 2, 'the late one delivered');
    assert.deepEqual(
      (await stored(broker.port)).map((m) => m.payload),
      ['early', 'late'],
    );
    client = new MetaqClient({ serverUrl: broker.url, partitions: { later: 1 } });
    await client.close();
    await broker.stop();
  });

  it('deletes schedule segments once everything in them is delivered, without delivering anything again', async () => {
    const clock = new SetClock(START);
    const dataPath = tempDir('delayed-compact');
    const small = 'maxSegmentSize=512\n'; // a few entries a segment
    let broker = await startAt(clock, dataPath, small);
    const client = new MetaqClient({ serverUrl: broker.url, partitions: { later: 1 } });
    for (let n = 0; n < 30; n += 1) await client.producer().schedule({ topic: 'later', data: `m${n}` }, { at: START + MINUTE });
    await client.close();
    const segments = (): string[] => readdirSync(join(stateDirectory(dataPath), '.delayed')).filter((name) => name.endsWith('.meta'));
    assert.ok(segments().length > 3, `the schedule spans segments (${segments().length})`);
    clock.nowMs = START + MINUTE;
    await eventually(async () => (await stored(broker.port)).length === 30, 'all delivered');
    await broker.stop();

    broker = await startAt(clock, dataPath, small); // a start compacts the schedule
    try {
      assert.equal(broker.delayed.pending, 0);
      assert.equal(segments().length, 1, 'only the segment being written is left');
      const after = await stored(broker.port);
      assert.equal(after.length, 30, 'nothing delivered twice');
    } finally {
      await broker.stop();
    }
  });

  it('survives kill -9 between scheduling and delivery', async () => {
    const dir = tempDir('delayed-k9');
    const config = writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 1, unflushThreshold: 0 });
    let broker = await startBrokerProcess(config);
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { k9: 1 } });
    const scheduled = await client.producer().schedule({ topic: 'k9', data: 'survivor' }, { delayMs: 1500 });
    await client.close();
    const port = broker.port;
    await broker.kill('SIGKILL');
    broker = await startBrokerProcess(config, { port });
    await eventually(async () => (await stored(broker.port, 'k9')).length > 0, 'the scheduled message delivered after kill -9');
    const messages = await stored(broker.port, 'k9');
    assert.deepEqual(
      messages.map((m) => m.payload),
      ['survivor'],
    );
    assert.ok(idTimeMs(messages[0]!.id) >= scheduled.deliverAt.getTime(), 'not before its time');
    await broker.kill('SIGTERM');
  });

  it('refuses bad times and unknown topics with the reason', async () => {
    const clock = new SetClock(START);
    const broker = await startAt(clock, tempDir('delayed-bad'));
    const client = new MetaqClient({ serverUrl: broker.url, partitions: { later: 1, nowhere: 1 } });
    try {
      const producer = client.producer();
      const message = { topic: 'later', data: 'x' };
      await assert.rejects(
        producer.schedule(message, { delayMs: -5 }),
        (error: Error) => error instanceof InvalidArgumentError && /options.delayMs must be a non-negative number/.test(error.message),
      );
      await assert.rejects(producer.schedule(message, { delayMs: 5, at: START }), /needs exactly one of at .* and delayMs/);
      await assert.rejects(producer.schedule(message, {}), /needs exactly one of at/);
      await assert.rejects(producer.schedule(message, { at: new Date('not a date') }), /options.at must be a valid Date/);
      await assert.rejects(
        producer.schedule(message, { at: START + 91 * 24 * 60 * MINUTE }),
        (error: Error) => error instanceof BrokerError && error.status === 400 && /more than 90 days ahead/.test(error.message),
      );
      await assert.rejects(producer.schedule({ topic: 'nowhere', data: 'x' }, { delayMs: 0 }), /do not accept topic nowhere/);
      assert.equal(broker.delayed.pending, 0, 'nothing refused was scheduled');
      await producer.schedule(message, { at: START - MINUTE });
      await eventually(async () => (await stored(broker.port)).length === 1, 'a time already past is delivered at once');
    } finally {
      await client.close();
      await broker.stop();
    }
  });
});
