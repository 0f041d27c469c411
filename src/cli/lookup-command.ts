import type { ReceivedMessage } from '../client/index.js';
import { MetaqClient } from '../client/index.js';
import { connectionFromEnv } from './connection-env.js';
import { writeJson } from './json-output.js';

export interface LookupOptions {
  serverUrl: string;
  topic: string;
  /** Direct mode: how many partitions the topic has (default: the broker's count, `stats <topic>`). */
  partitions: number | undefined;
  key: string | undefined;
  id: bigint | undefined;
  limit: number | undefined;
  /** One JSON array of `{partition, offset, id, attribute, data}` instead of lines. */
  json?: boolean;
}

/**
 * `metaq lookup TOPIC --key K | --id ID`: print the messages found, one a line (partition,
 * offset, id, key, data), and return how many.
 */
export async function lookup(options: LookupOptions, out: NodeJS.WritableStream): Promise<number> {
  const client = new MetaqClient({
    serverUrl: options.serverUrl,
    connection: connectionFromEnv(),
    partitions: options.partitions === undefined ? {} : { [options.topic]: options.partitions },
  });
  try {
    let found: ReceivedMessage[];
    if (options.id !== undefined) {
      const message = await client.messageById(options.topic, options.id);
      found = message === undefined ? [] : [message];
    } else found = await client.messagesByKey(options.topic, options.key ?? '', { limit: options.limit });
    if (options.json === true) {
      writeJson(
        out,
        found.map((m) => ({ partition: m.partition.index, offset: m.offset, id: m.id, attribute: m.attribute ?? null, data: m.data.toString('utf8') })),
      );
      return found.length;
    }
    for (const message of found) {
      out.write(`${message.partition.index}\t${message.offset}\t${message.id}\t${message.attribute ?? ''}\t${message.data.toString('utf8')}\n`);
    }
    return found.length;
  } finally {
    await client.close();
  }
}
