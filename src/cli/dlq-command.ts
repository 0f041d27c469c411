import type { ReceivedMessage } from '../client/index.js';
import { FileOffsetStorage, MetaqClient } from '../client/index.js';
import { decodeEnvelope } from '../client/consumer/retry-envelope.js';
import { deadLetterTopicOf } from '../client/consumer/retry-topics.js';
import { MetaqError } from '../common/errors.js';
import { connectionFromEnv } from './connection-env.js';
import { writeJson } from './json-output.js';

export interface DlqOptions {
  serverUrl: string;
  /** Direct mode: how many partitions the dead-letter topic has (default 1, where a direct-mode consumer writes). */
  partitions: number | undefined;
  group: string;
  /** The dead-letter topic, when the group set its own (`retryTopics.deadLetterTopic`). */
  topic: string | undefined;
}

/** How much of a message's data `list` shows. */
const PREVIEW_CHARS = 120;

function deadLetterTopic(options: DlqOptions): string {
  return options.topic ?? deadLetterTopicOf(options.group);
}

function clientFor(options: DlqOptions): MetaqClient {
  return new MetaqClient({
    serverUrl: options.serverUrl,
    connection: connectionFromEnv(),
    partitions: options.partitions === undefined ? {} : { [deadLetterTopic(options)]: options.partitions },
  });
}

/** One dead letter as `list --json` prints it: null where it carries no retry envelope; the id as a string (64 bits). */
function deadLetterJson(message: ReceivedMessage, data: string): unknown {
  const envelope = decodeEnvelope(message.attribute);
  return {
    partition: message.partition.index,
    offset: message.offset,
    id: String(message.id),
    topic: envelope?.topic ?? null,
    failures: envelope?.failures ?? null,
    firstFailedAt: envelope?.firstFailedAt.toISOString() ?? null,
    lastError: envelope?.lastError ?? null,
    data,
  };
}

/** `metaq dlq list`: one line per dead letter, with where it came from, how often it failed and why; with `json`, one array. */
export async function listDeadLetters(options: DlqOptions, limit: number | undefined, out: NodeJS.WritableStream, json = false): Promise<number> {
  const client = clientFor(options);
  const rows: unknown[] = [];
  try {
    if (!json) out.write('partition\toffset\tid\ttopic\tfailures\tfirst_failed\tlast_error\tdata\n');
    for await (const message of client.browse(deadLetterTopic(options))) {
      if (limit !== undefined && rows.length >= limit) break;
      const data = message.data.toString('utf8', 0, Math.min(message.data.length, PREVIEW_CHARS * 4)).slice(0, PREVIEW_CHARS);
      rows.push(deadLetterJson(message, data));
      if (json) continue;
      const envelope = decodeEnvelope(message.attribute);
      const origin =
        envelope === undefined
          ? ['?', '?', '?', '(no retry envelope)']
          : [envelope.topic, String(envelope.failures), envelope.firstFailedAt.toISOString(), envelope.lastError];
      out.write(
        `${message.partition.index}\t${message.offset}\t${message.id}\t${origin.map((field) => JSON.stringify(field).slice(1, -1)).join('\t')}\t${JSON.stringify(data).slice(1, -1)}\n`,
      );
    }
    if (json) writeJson(out, rows);
    return rows.length;
  } finally {
    await client.close();
  }
}

export interface ReplayOptions extends DlqOptions {
  /** Replay these dead letters (their ids as `list` prints them)... */
  ids: bigint[] | undefined;
  /** ...or every one after the position kept in this file (MetaQ's offsets file format), moved on as each is replayed. */
  offsetsFile: string | undefined;
}

/**
 * `metaq dlq replay`: publish dead letters to the topic they failed in, as new messages (their
 * own attribute, no retry history), so the group consumes them again from the first attempt.
 * `--all` remembers how far it got, so running it again replays only newer dead letters.
 */
export async function replayDeadLetters(options: ReplayOptions, out: NodeJS.WritableStream): Promise<number> {
  const client = clientFor(options);
  const producer = client.producer();
  const topic = deadLetterTopic(options);
  const replay = async (message: ReceivedMessage): Promise<void> => {
    const envelope = decodeEnvelope(message.attribute);
    if (envelope === undefined)
      throw new MetaqError(
        'NOT_A_DEAD_LETTER',
        `${topic} ${message.partition.index}@${message.offset} carries no retry envelope; it was not put there by a consumer's retryTopics, so there is nowhere to replay it`,
      );
    const sent = await producer.send({ topic: envelope.topic, data: message.data, attribute: envelope.attribute });
    out.write(
      `replayed dead letter ${message.id} (${topic}-${message.partition.index}@${message.offset}) to topic ${envelope.topic} as message ${sent.id} (${envelope.topic}-${sent.partition.index}@${sent.offset})\n`,
    );
  };
  let replayed = 0;
  try {
    if (options.ids !== undefined) {
      const wanted = new Set(options.ids);
      for await (const message of client.browse(topic)) {
        if (!wanted.delete(message.id)) continue;
        await replay(message);
        replayed += 1;
        if (wanted.size === 0) break;
      }
      if (wanted.size > 0)
        throw new MetaqError('NOT_FOUND', `no dead letter in ${topic} has id ${[...wanted].join(', ')} (see metaq dlq list); ${replayed} replayed`);
      return replayed;
    }
    const positions = new FileOffsetStorage(options.offsetsFile);
    const group = `${options.group}-dlq-replay`;
    const known = await client.partitionIndexes(topic);
    for (const index of known) {
      const partition = { brokerId: 0, index };
      let offset = (await positions.load(topic, group, partition))?.offset ?? 0;
      for (;;) {
        const result = await client.get(topic, index, offset, { group });
        if (result.caughtUp) break;
        for (const message of result.messages) {
          await replay(message);
          replayed += 1;
          await positions.commit(group, [{ topic, partition, offset: message.nextOffset, msgId: message.id }]);
        }
        offset = result.nextOffset;
      }
    }
    return replayed;
  } finally {
    await client.close();
  }
}
