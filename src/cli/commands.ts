import { createInterface } from 'node:readline';
import { MetaqError } from '../common/errors.js';
import { checksum } from '../common/checksum.js';
import { encodePayload, decodePayload } from '../protocol/payload.js';
import { iterateRecords, isRecordIntact } from '../protocol/record.js';
import { Status } from '../protocol/status.js';
import { WireSession } from './wire-session.js';

export interface Target {
  host: string;
  port: number;
}

/** `metaq stats [ITEM]`: print the broker's stats text. */
export async function printStats(target: Target, item: string | undefined, out: NodeJS.WritableStream): Promise<void> {
  const session = await WireSession.open(target.host, target.port);
  try {
    const reply = await session.request((opaque) => ({ kind: 'stats', item: item ?? '', opaque }));
    if (reply.kind !== 'result' || reply.code !== Status.success) throw new MetaqError('STATS_FAILED', `stats failed: ${reply.body.toString()}`);
    out.write(reply.body.toString('utf8'));
  } finally {
    await session.close();
  }
}

/** `metaq produce TOPIC`: send each message and print `<id> <partition> <offset>`; returns failures. */
export async function produce(target: Target, topic: string, partition: number, messages: AsyncIterable<string> | Iterable<string>, out: NodeJS.WritableStream): Promise<number> {
  const session = await WireSession.open(target.host, target.port);
  let failures = 0;
  const inFlight: Array<Promise<void>> = [];
  try {
    for await (const text of messages) {
      const { payload, flag } = encodePayload(Buffer.from(text, 'utf8'));
      const crc = checksum(payload);
      inFlight.push(
        session
          .request((opaque) => ({ kind: 'put', topic, partition, flag, checksum: crc, txKey: undefined, opaque, body: payload }))
          .then((reply) => {
            if (reply.kind === 'result' && reply.code === Status.success) out.write(`${reply.body.toString()}\n`);
            else {
              failures += 1;
              process.stderr.write(`put failed: ${reply.kind === 'result' ? reply.code : ''} ${reply.body.toString()}\n`);
            }
          }),
      );
      if (inFlight.length >= 1000) await Promise.all(inFlight.splice(0));
    }
    await Promise.all(inFlight);
  } finally {
    await session.close();
  }
  return failures;
}

/** Lines of standard input. */
export function stdinLines(): AsyncIterable<string> {
  return createInterface({ input: process.stdin, crlfDelay: Infinity });
}

export interface ConsumeOptions {
  topic: string;
  partition: number;
  offset: number;
  group: string;
  maxSize: number;
  /** Stop after this many messages (undefined: until caught up, or forever with `follow`). */
  limit: number | undefined;
  follow: boolean;
  signal?: AbortSignal;
}

/** `metaq consume`: fetch from an offset and print one line per message; returns the next offset. */
export async function consume(target: Target, options: ConsumeOptions, out: NodeJS.WritableStream): Promise<number> {
  const session = await WireSession.open(target.host, target.port);
  let offset = options.offset;
  let printed = 0;
  try {
    while (!options.signal?.aborted && (options.limit === undefined || printed < options.limit)) {
      const reply = await session.request((opaque) => ({ kind: 'get', topic: options.topic, group: options.group, partition: options.partition, offset, maxSize: options.maxSize, opaque }));
      if (reply.kind === 'result') {
        if (reply.code === Status.moved) {
          offset = Number(reply.body.toString());
          continue;
        }
        if (reply.code === Status.notFound && !reply.body.toString().startsWith('The topic')) {
          if (!options.follow) break;
          await new Promise((resolve) => setTimeout(resolve, 200)); // poll interval for `--follow`
          continue;
        }
        throw new MetaqError('CONSUME_FAILED', `get at offset ${offset} failed: ${reply.code} ${reply.body.toString()}`);
      }
      let advanced = 0;
      for (const record of iterateRecords(reply.body)) {
        if (!isRecordIntact(record)) throw new MetaqError('CORRUPT_MESSAGE', `message at offset ${offset + record.position} fails its checksum`);
        const { data, attribute } = decodePayload(record.payload, record.flag);
        out.write(`${offset + record.position}\t${record.id}\t${attribute === undefined ? '' : `${attribute}\t`}${data.toString('utf8')}\n`);
        advanced = record.position + record.size;
        printed += 1;
        if (options.limit !== undefined && printed >= options.limit) break;
      }
      if (advanced === 0) throw new MetaqError('MESSAGE_TOO_LARGE', `the message at offset ${offset} is larger than --max-size ${options.maxSize}; raise --max-size (and the broker's maxTransferSize)`);
      offset += advanced;
    }
  } finally {
    await session.close();
  }
  return offset;
}
