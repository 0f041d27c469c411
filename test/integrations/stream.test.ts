import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { MessageSink, MessageSource } from '../../src/integrations/stream/index.js';
import type { Delivery } from '../../src/integrations/stream/index.js';
import { wordCount } from '../../examples/word-count.js';
import { eventually } from '../support/eventually.js';
import { startBroker } from '../support/in-process-broker.js';
import { readTopic } from '../support/read-topic.js';

describe('stream processing: source with ack/fail, sink, the word-count example', () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker();
    client = new MetaqClient({ serverUrl: broker.url });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('word count: every sentence counted once, failed ones redelivered, counts published per word', async () => {
    const words = ['metaq', 'kafka', 'order', 'log', 'binlog', 'partition'];
    const sentences = Array.from({ length: 120 }, (_, i) => `${words[i % 6]} ${words[(i * 5) % 6]} and ${words[(i + 1) % 6]}`);
    const producer = client.producer();
    for (const sentence of sentences) await producer.send({ topic: 'sentences', data: sentence });
    const expected = new Map<string, number>();
    for (const sentence of sentences) for (const word of sentence.split(' ')) expected.set(word, (expected.get(word) ?? 0) + 1);

    const controller = new AbortController();
    const processed: string[] = [];
    const failedOnce = (sentence: string) => sentences.indexOf(sentence) % 7 === 0;
    const run = wordCount(client, {
      input: 'sentences',
      output: 'word-counts',
      group: 'wc',
      signal: controller.signal,
      failFirst: failedOnce,
      onProcessed: (s) => processed.push(s),
    });
    await eventually(() => processed.length === sentences.length, 'every sentence processed');
    controller.abort();
    const counts = await run;
    assert.deepEqual(new Map([...counts].sort()), new Map([...expected].sort()), 'each sentence counted exactly once');
    assert.deepEqual([...processed].sort(), [...sentences].sort());
    // The published counts: per word they only rise (a word twice in a sentence rises by 2), ending at the total.
    const published = new Map<string, number[]>();
    for (const line of await readTopic(client, 'word-counts')) {
      const [word, count] = line.split(' ');
      published.set(word!, [...(published.get(word!) ?? []), Number(count)]);
    }
    for (const [word, total] of expected) {
      const series = published.get(word)!;
      assert.equal(series.at(-1), total, `${word}'s last published count is its total`);
      assert.ok(
        series.every((count, i) => i === 0 || count > series[i - 1]!),
        `${word}'s counts in order: ${series.join(' ')}`,
      );
    }
  });

  it('a failed delivery comes back with its redelivery count; the partition waits for it', async () => {
    const producer = client.producer();
    for (const text of ['first', 'second']) await producer.send({ topic: 'retry-me', data: text });
    const source = new MessageSource(client.consumer({ group: 'retry', startFrom: 0 }).subscribe('retry-me'));
    const seen: Array<[string, number]> = [];
    for await (const delivery of source) {
      seen.push([delivery.value, delivery.redeliveries]);
      if (delivery.value === 'first' && delivery.redeliveries < 2) delivery.fail(new Error('not yet'));
      else delivery.ack();
      if (delivery.value === 'second') break;
    }
    assert.deepEqual(seen, [
      ['first', 0],
      ['first', 1],
      ['first', 2],
      ['second', 0],
    ]);
  });

  it('forgets a message the consumer gave up on: one remembered failure per partition at most', async () => {
    const producer = client.producer();
    for (let i = 0; i < 20; i += 1) await producer.send({ topic: 'poison', data: `bad ${i}` });
    await producer.send({ topic: 'poison', data: 'good' });
    // Every "bad" message fails until the consumer drops it (after one retry).
    const source = new MessageSource(client.consumer({ group: 'poison', startFrom: 0, maxFetchRetries: 1, onReject: 'drop' }).subscribe('poison'));
    const remembered = (source as unknown as { attempts: Map<string, unknown> }).attempts;
    let largest = 0;
    for await (const delivery of source) {
      largest = Math.max(largest, remembered.size);
      if (delivery.value === 'good') {
        assert.equal(delivery.redeliveries, 0);
        delivery.ack();
        break;
      }
      delivery.fail(new Error('poison'));
    }
    assert.equal(largest, 1, 'the failures of dropped messages are not kept');
  });

  it('works as Node streams: source.stream() piped to a writer that stores, then acks', async () => {
    const producer = client.producer();
    for (let i = 0; i < 30; i += 1) await producer.send({ topic: 'lower', data: `item ${i}` });
    const source = new MessageSource(client.consumer({ group: 'upper', startFrom: 0 }).subscribe('lower'));
    const sink = new MessageSink(client.producer(), 'upper');
    let stored = 0;
    const writer = new Writable({
      objectMode: true,
      write(delivery: Delivery<string>, _encoding, done) {
        sink.write(delivery.value.toUpperCase()).then(
          () => {
            delivery.ack();
            if (++stored === 30) void source.close();
            done();
          },
          (error: unknown) => {
            delivery.fail(error);
            done();
          },
        );
      },
    });
    await pipeline(source.stream(), writer);
    assert.deepEqual(
      await readTopic(client, 'upper'),
      Array.from({ length: 30 }, (_, i) => `ITEM ${i}`),
    );
  });
});
