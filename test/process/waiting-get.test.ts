import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { startBroker } from '../support/in-process-broker.js';
import { eventually } from '../support/eventually.js';
import { put, WireSession } from '../support/wire-client.js';

describe('waiting get (wget, negotiated through version)', () => {
  let broker: Broker;
  let session: WireSession;
  let client: MetaqClient | undefined;
  const wget = (topic: string, partition: number, offset: number, maxWaitMs: number) =>
    session.request((opaque) => ({ kind: 'wget', topic, group: 'waiters', partition, offset, maxSize: 65536, maxWaitMs, opaque }));

  before(async () => {
    broker = await startBroker({ unflushThreshold: 0 }, '[topic=tail]\nnumPartitions=1\n[topic=*]\n');
    session = await WireSession.open('127.0.0.1', broker.port);
  });
  after(async () => {
    await client?.close();
    await session.close();
    await broker.stop();
  });

  it('holds a fetch at the end of the log until a message is flushed, and answers with it', async () => {
    await put(session, 'tail', 0, 'first');
    const end = broker.stores.find('tail', 0)!.visibleEnd;
    let answered = false;
    const waiting = wget('tail', 0, end, 30_000).then((reply) => {
      answered = true;
      return reply;
    });
    // A put on the same connection is served while the fetch waits.
    const stored = await put(session, 'tail', 0, 'second');
    assert.equal(stored.code, 200);
    const reply = await waiting;
    assert.ok(answered);
    assert.equal(reply.kind, 'value');
    assert.match(reply.body.toString('latin1'), /second/);
  });

  it('answers as get does when there is data, or the offset is wrong, without waiting', async () => {
    const data = await wget('tail', 0, 0, 30_000);
    assert.equal(data.kind, 'value');
    // A partition a put would refuse (tail has one) is not waited for.
    const refused = await wget('tail', 3, 0, 30_000);
    assert.equal(refused.kind === 'result' && refused.code, 404);
    const beyond = await wget('tail', 0, 10_000_000, 30_000);
    assert.equal(beyond.kind === 'result' && beyond.code, 404);
  });

  // Without the wait for creation this wget is answered 404 at once, before the put; without the
  // wake at creation it is still held after the put.
  it('holds a fetch for a partition a put would create, and answers with its first message', async () => {
    let answered = false;
    const waiting = wget('born-later', 0, 0, 30_000).then((reply) => {
      answered = true;
      return reply;
    });
    await eventually(() => answered || broker.stores.waitingForCreation === 1, 'the wget answered or held');
    assert.equal(answered, false);
    assert.equal((await put(session, 'born-later', 0, 'first words')).code, 200);
    assert.equal(broker.stores.waitingForCreation, 0);
    const reply = await waiting;
    assert.equal(reply.kind, 'value');
    assert.match(reply.body.toString('latin1'), /first words/);
  });

  it('answers 404 after maxWaitMs when the partition is still not created, and holds nothing after', async () => {
    let answered = false;
    const waiting = wget('never-born', 0, 0, 1_000).then((reply) => {
      answered = true;
      return reply;
    });
    await eventually(() => answered || broker.stores.waitingForCreation === 1, 'the wget answered or held');
    assert.equal(answered, false);
    const reply = await waiting;
    assert.equal(reply.kind === 'result' && reply.code, 404);
    assert.equal(broker.stores.waitingForCreation, 0);
    assert.equal(broker.stores.find('never-born', 0), undefined);
  });

  it('drops a wait for creation when its connection closes', async () => {
    const other = await WireSession.open('127.0.0.1', broker.port);
    void other
      .request((opaque) => ({ kind: 'wget', topic: 'left-behind', group: 'waiters', partition: 0, offset: 0, maxSize: 65536, maxWaitMs: 30_000, opaque }))
      .catch(() => undefined);
    await eventually(() => broker.stores.waitingForCreation === 1, 'the wget held');
    await other.close();
    await eventually(() => broker.stores.waitingForCreation === 0, 'the wait dropped with its connection');
  });

  it('gives up after maxWaitMs with get\'s "nothing yet"', async () => {
    const end = broker.stores.find('tail', 0)!.visibleEnd;
    const reply = await wget('tail', 0, end, 50);
    assert.equal(reply.kind === 'result' && reply.code, 404);
  });

  // Without the waiting get the consumer's first empty fetch backs off 6 s (a tenth of
  // maxDelayFetchMs), past this test's timeout; with it the message arrives on the held fetch.
  it('lets a caught-up consumer see a new message without polling', { timeout: 5_000 }, async () => {
    client = new MetaqClient({ serverUrl: broker.url });
    const seen: string[] = [];
    let got: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (got = resolve));
    const consumer = client.consumer({ group: 'follower', startFrom: 'newest', fetchWaitMs: 30_000, maxDelayFetchMs: 60_000 }).subscribe('tail');
    await consumer.run((message) => {
      seen.push(message.data.toString());
      got();
    });
    await client.producer().send({ topic: 'tail', data: 'news' });
    await arrived;
    assert.deepEqual(seen, ['news']);
  });
});

// Without the answer at drain, stop waits out the held fetch (30 s), past this test's timeout.
describe('waiting gets at stop', () => {
  it('answers held waits at once when the broker stops, as a get would', { timeout: 10_000 }, async () => {
    const broker = await startBroker({ unflushThreshold: 0 }, '[topic=tail]\nnumPartitions=1\n[topic=*]\n');
    const session = await WireSession.open('127.0.0.1', broker.port);
    await put(session, 'tail', 0, 'first');
    const end = broker.stores.find('tail', 0)!.visibleEnd;
    const atEnd = session.request((opaque) => ({
      kind: 'wget',
      topic: 'tail',
      group: 'waiters',
      partition: 0,
      offset: end,
      maxSize: 65536,
      maxWaitMs: 30_000,
      opaque,
    }));
    const forCreation = session.request((opaque) => ({
      kind: 'wget',
      topic: 'not-yet',
      group: 'waiters',
      partition: 0,
      offset: 0,
      maxSize: 65536,
      maxWaitMs: 30_000,
      opaque,
    }));
    await eventually(() => broker.stores.waitingForCreation === 1, 'the wget held for creation');
    await broker.stop();
    const [tail, missing] = await Promise.all([atEnd, forCreation]);
    assert.equal(tail.kind === 'result' && tail.code, 404);
    assert.equal(missing.kind === 'result' && missing.code, 404);
    await session.close().catch(() => undefined);
  });
});
