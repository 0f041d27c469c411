import { hostname } from 'node:os';
import build from 'pino-abstract-transport';
import { keySelector, MetaqClient } from '../../client/index.js';
import type { AsyncProducerOptions } from '../../client/producer/async-producer.js';

export interface MetaqTransportOptions extends AsyncProducerOptions {
  /** The topic log records go to. */
  topic: string;
  /** Direct mode: `meta://host:8123` (with `partitions`, the topic's partition count), or cluster mode: `zkConnect`. */
  serverUrl?: string;
  partitions?: number;
  zkConnect?: string;
  zkRoot?: string;
}

/**
 * A pino transport (MetaQ's log4j StreamAppender; docs/integrations.md): each log line becomes one message on
 * `topic`, sent with the one-way producer. pino runs transports in a worker thread that buffers
 * what the application logs, and the one-way producer never waits for an ack (a failed send
 * spills to a local store, resent later), so logging never blocks the application, even with
 * every broker down.
 * One process's records share a partition key, so they stay in order while sends succeed.
 *
 * `pino({ transport: { target: 'metaq/pino', options: { topic: 'app-logs', zkConnect: 'zk:2181' } } })`
 */
export default function metaqTransport(options: MetaqTransportOptions) {
  if (typeof options?.topic !== 'string' || options.topic === '') throw new Error('the metaq pino transport needs options.topic (the topic log records go to)');
  if (options.serverUrl === undefined && options.zkConnect === undefined)
    throw new Error('the metaq pino transport needs options.serverUrl (meta://host:port) or options.zkConnect (host:port for cluster mode)');
  const { topic, serverUrl, partitions, zkConnect, zkRoot, ...spill } = options;
  const client = new MetaqClient(
    zkConnect !== undefined ? { zkConnect, zkRoot } : { serverUrl, partitions: partitions === undefined ? undefined : { [topic]: partitions } },
  );
  const producer = client.asyncProducer({ ...spill, selector: keySelector() });
  const key = `${hostname()}:${process.pid}`;
  return build(
    async (source: AsyncIterable<string>) => {
      // Waiting for room in the window holds lines in pino's buffer (in the application's memory,
      // never blocking it) rather than spilling a burst to disk; failed sends still spill.
      for await (const line of source) await producer.offer({ topic, data: line, key });
    },
    {
      parse: 'lines',
      close: async () => {
        await client.close();
      },
    },
  );
}
