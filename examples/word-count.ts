// Word count over a topic: read sentences from `sentences`, count the words, and publish each
// changed count to `word-counts` as "<word> <count>" (keyed by the word, so one word's counts stay
// in order on one partition). A sentence is acked only after its counts are stored; one that
// fails is delivered again, and the counts it would have changed are not touched until it
// succeeds, so each sentence is counted once.
//
//   npm run build && node dist/examples/word-count.js
//
// Needs a broker (`npm start`); METAQ_URL points elsewhere. Stop it with Ctrl-C. It imports the
// package by name, as an application does (`npm install metaq`).
import { pathToFileURL } from 'node:url';
import { keySelector, MetaqClient } from 'metaq';
import { MessageSink, MessageSource } from 'metaq/stream';

export interface WordCountOptions {
  input: string;
  output: string;
  group: string;
  signal: AbortSignal;
  /** Called after each sentence is acked. */
  onProcessed?: (sentence: string) => void;
  /** For tests: fail a sentence's first delivery when this says so. */
  failFirst?: (sentence: string) => boolean;
}

export async function wordCount(client: MetaqClient, options: WordCountOptions): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const source = new MessageSource(client.consumer({ group: options.group, startFrom: 0 }).subscribe(options.input));
  const sink = new MessageSink(client.producer({ selector: keySelector() }), options.output);
  options.signal.addEventListener('abort', () => void source.close(), { once: true });
  for await (const delivery of source) {
    try {
      if (delivery.redeliveries === 0 && options.failFirst?.(delivery.value)) throw new Error('injected failure');
      const changed = new Map<string, number>();
      for (const word of delivery.value.toLowerCase().match(/[\p{L}']+/gu) ?? []) changed.set(word, (changed.get(word) ?? counts.get(word) ?? 0) + 1);
      await sink.writeAll([...changed].map(([word, count]) => ({ data: `${word} ${count}`, key: word })));
      for (const [word, count] of changed) counts.set(word, count);
      delivery.ack();
      options.onProcessed?.(delivery.value);
    } catch (error) {
      delivery.fail(error);
    }
  }
  return counts;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const client = new MetaqClient({ serverUrl: process.env.METAQ_URL ?? 'meta://127.0.0.1:8123' });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const counts = await wordCount(client, {
    input: 'sentences',
    output: 'word-counts',
    group: 'word-count',
    signal: controller.signal,
    onProcessed: (sentence) => console.log(`counted: ${sentence}`),
  });
  console.log(
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([word, count]) => `${word} ${count}`)
      .join('\n'),
  );
  await client.close();
}
