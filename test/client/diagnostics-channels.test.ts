import assert from 'node:assert/strict';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { InvalidArgumentError, MemoryOffsetStorage, MetaqClient } from '../../src/client/index.js';
import type { CommitContext, FetchEvent, SendContext } from '../../src/client/index.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';

/** Every event of a tracing channel while `body` runs, as [event name, a copy of the context]. */
async function traceOf<C extends object>(name: string, body: () => Promise<void>): Promise<Array<[string, C]>> {
  const events: Array<[string, C]> = [];
  const record = (event: string) => (context: unknown) => void events.push([event, { ...(context as C) }]);
  const handlers = { start: record('start'), end: record('end'), asyncStart: record('asyncStart'), asyncEnd: record('asyncEnd'), error: record('error') };
  const channel = tracingChannel<object, C>(name);
  channel.subscribe(handlers);
  try {
    await body();
  } finally {
    channel.unsubscribe(handlers);
  }
  return events;
}

describe('diagnostics channels', { timeout: 60_000 }, () => {
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

  it('metaq:client:send traces each send: start, then the result or the error, with bytes and duration', async () => {
    const producer = client.producer();
    const events = await traceOf<SendContext>('metaq:client:send', async () => {
      await producer.send({ topic: 'traced', data: 'héllo' });
      await assert.rejects(producer.send({ topic: '', data: 'x' }), InvalidArgumentError);
    });
    const names = events.map(([event]) => event);
    assert.deepEqual(names, ['start', 'end', 'asyncStart', 'asyncEnd', 'start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    const [, started] = events[0]!;
    assert.equal(started.topic, 'traced');
    assert.equal(started.bytes, 6);
    assert.equal(started.result, undefined);
    const [, ended] = events[3]!;
    assert.equal(ended.result?.partition.index, 0);
    assert.equal(typeof ended.result?.offset, 'number');
    assert.ok(typeof ended.durationMs === 'number' && ended.durationMs >= 0);
    const [, failed] = events[6]!;
    assert.ok(failed.error instanceof InvalidArgumentError);
  });

  it('metaq:client:fetch tells each fetch of client.get and of consumers: offset, bytes, records', async () => {
    const fetches: FetchEvent[] = [];
    const listener = (event: unknown): void => void fetches.push(event as FetchEvent);
    subscribe('metaq:client:fetch', listener);
    try {
      const sent = await client.producer().sendBatch([1, 2, 3].map((n) => ({ topic: 'fetched', data: `message ${n}` })));
      const got = await client.get('fetched', 0, sent.offset, { group: 'getter' });
      assert.equal(got.messages.length, 3);
      assert.deepEqual(fetches[0], { ...fetches[0], topic: 'fetched', group: 'getter', offset: sent.offset, outcome: 'messages', records: 3 });
      assert.equal(fetches[0].bytes, got.nextOffset - sent.offset);
      const consumer = client.consumer({ group: 'fetching', offsetStorage: new MemoryOffsetStorage(), maxDelayFetchMs: 20 }).subscribe('fetched');
      await consumer.run(() => undefined);
      await eventually(() => fetches.some((f) => f.group === 'fetching' && f.outcome === 'caughtUp' && f.offset === got.nextOffset), 'the consumer caught up');
      const consumed = fetches.find((f) => f.group === 'fetching' && f.outcome === 'messages')!;
      assert.equal(consumed.records, 3);
      assert.ok(consumed.durationMs >= 0);
      await consumer.close();
    } finally {
      unsubscribe('metaq:client:fetch', listener);
    }
  });

  it('metaq:client:commit traces each commit of positions: group, topic, partition and offset', async () => {
    const sent = await client.producer().send({ topic: 'committed', data: 'one' });
    const storage = new MemoryOffsetStorage();
    const consumer = client.consumer({ group: 'committer', offsetStorage: storage, commitIntervalMs: 3_600_000, maxDelayFetchMs: 20 }).subscribe('committed');
    let seen = 0;
    const events = await traceOf<CommitContext>('metaq:client:commit', async () => {
      await consumer.run(() => void (seen += 1));
      await eventually(() => seen === 1, 'the message');
      await consumer.close();
    });
    const ended = events.find(([event]) => event === 'asyncEnd');
    assert.ok(ended !== undefined, `events: ${events.map(([event]) => event).join(', ')}`);
    const stored = await storage.load('committed', 'committer', sent.partition);
    assert.deepEqual(ended[1].offsets, [{ topic: 'committed', partition: sent.partition, offset: stored!.offset }]);
    assert.equal(ended[1].group, 'committer');
    assert.ok(stored!.offset > sent.offset);
  });
});
