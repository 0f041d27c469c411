import { createInterface } from 'node:readline';
import type { FetchResult, ReceivedMessage } from '../client/index.js';
import { FileOffsetStorage, MetaqClient, readClusterView, ZkSession } from '../client/index.js';
import { BrokerConnection } from '../client/transport/broker-connection.js';
import type { BrokerAddress } from '../client/transport/broker-address.js';
import { parseBrokerUrl } from '../client/transport/broker-address.js';
import { transactionRequest } from '../client/transactions/transaction-request.js';
import { hasErrorCode, MetaqError } from '../common/errors.js';
import { connectionFromEnv } from './connection-env.js';
import type { Target } from './broker-target.js';
import { urlOf } from './broker-target.js';
import { clusterJson, transactionsJson } from './inspect-json.js';
import { messageLine } from './message-line.js';
import { missingReadTarget } from './partition-extents.js';
import { writeJson } from './json-output.js';
import { configText, statsObject } from './stats-values.js';

function clientFor(target: Target): MetaqClient {
  return new MetaqClient({ serverUrl: urlOf(target), connection: connectionFromEnv() });
}

/** `metaq stats [ITEM]`: print the broker's stats lines, or with `json` `{brokers: [{url, stats}]}`. */
export async function printStats(target: Target, item: string | undefined, out: NodeJS.WritableStream, json = false): Promise<void> {
  const client = clientFor(target);
  try {
    const replies = await client.stats(item ?? '');
    if (json) {
      writeJson(out, {
        brokers: [...replies].map(([url, values]) => (item === 'config' ? { url, config: configText(values) } : { url, stats: statsObject(values) })),
      });
      return;
    }
    for (const [url, values] of replies) {
      out.write(`# ${url}\n`);
      for (const [key, value] of values) out.write(`${key} ${value}\n`);
    }
  } finally {
    await client.close();
  }
}

/**
 * `metaq produce TOPIC`: send each message (pipelined, 1,000 in flight) and print
 * `<id> <partition> <offset>`; progress goes to stderr on a terminal. Returns the failure count.
 */
export async function produce(
  target: Target,
  topic: string,
  messages: AsyncIterable<string> | Iterable<string>,
  out: NodeJS.WritableStream,
  progress: NodeJS.WriteStream | undefined,
): Promise<number> {
  const client = clientFor(target);
  let done = 0;
  let lastReport = 0;
  const started = performance.now();
  async function* outgoing(): AsyncGenerator<{ topic: string; data: string }> {
    for await (const data of messages) yield { topic, data };
  }
  try {
    const { failed } = await client.producer().sendAll(outgoing(), {
      inFlight: 1000,
      onResult: (_message, error, result) => {
        done += 1;
        if (error) process.stderr.write(`send failed: ${error.message}\n`);
        else out.write(`${result!.id} ${result!.partition.index} ${result!.offset}\n`);
        if (progress?.isTTY && performance.now() - lastReport > 500) {
          lastReport = performance.now();
          progress.write(`\r${done} messages sent (${Math.round(done / ((lastReport - started) / 1000))} msgs/s)`);
        }
      },
    });
    if (progress?.isTTY && lastReport > 0) progress.write(`\r${done} messages sent, ${failed} failed\n`);
    return failed;
  } finally {
    await client.close();
  }
}

/** Lines of standard input. */
export function stdinLines(): AsyncIterable<string> {
  return createInterface({ input: process.stdin, crlfDelay: Infinity });
}

export interface ConsumeOptions {
  topic: string;
  partition: number;
  offset: number;
  maxSize: number;
  /** Stop after this many messages. */
  limit: number | undefined;
  /** Keep following new messages, like `tail -f`. */
  follow: boolean;
  /** With a group, positions are committed to `offsetsFile` and a later run resumes there. */
  group: string | undefined;
  offsetsFile: string | undefined;
  /** Start at the first message appended at or after this time instead of at `offset`. */
  from?: Date;
  signal?: AbortSignal;
}

function print(out: NodeJS.WritableStream, message: ReceivedMessage): void {
  out.write(messageLine(message));
}

/** `metaq consume`: print one line per message (message-line.ts). */
export async function consume(target: Target, options: ConsumeOptions, out: NodeJS.WritableStream): Promise<void> {
  const client = clientFor(target);
  try {
    if (options.group !== undefined) {
      await consumeAsGroup(client, options, out);
      return;
    }
    const start = options.from === undefined ? options.offset : await client.offsetForTime(options.topic, options.partition, options.from);
    let offset = start;
    let printed = 0;
    let checked = false;
    while (!options.signal?.aborted && (options.limit === undefined || printed < options.limit)) {
      const result = await fetchAt(client, options, offset);
      if (result.caughtUp) {
        // Nothing at the offset asked for: a wrong topic, partition or offset must not pass as an empty read.
        if (!checked && offset === start) await checkReadTarget(target, options, start);
        checked = true;
        if (!options.follow) return;
        await new Promise((resolve) => setTimeout(resolve, 200)); // poll interval of --follow
        continue;
      }
      for (const message of result.messages.slice(0, options.limit === undefined ? undefined : options.limit - printed)) {
        print(out, message);
        printed += 1;
      }
      offset = result.nextOffset;
    }
  } finally {
    await client.close();
  }
}

/** One fetch; an offset inside a message is the user's to fix, so it is said in the command's terms. */
async function fetchAt(client: MetaqClient, options: ConsumeOptions, offset: number): Promise<FetchResult> {
  try {
    return await client.get(options.topic, options.partition, offset, { maxSize: options.maxSize });
  } catch (error) {
    if (!hasErrorCode(error, 'NOT_A_MESSAGE_START')) throw error;
    throw new MetaqError(
      'NOT_FOUND',
      `offset ${offset} is not at the start of a message in ${options.topic}-${options.partition}: offsets are byte positions, not message numbers; use an offset printed by 'metaq produce' or 'metaq consume', or --from <time>`,
    );
  }
}

/** Fails for a missing partition or an offset past the end; with --follow, a partition not created yet is only noted. */
async function checkReadTarget(target: Target, options: ConsumeOptions, offset: number): Promise<void> {
  const missing = await missingReadTarget(target, options.topic, options.partition, offset);
  if (missing === undefined) return;
  if (!(options.follow && missing.partitionMissing)) throw new MetaqError('NOT_FOUND', missing.text);
  process.stderr.write(`metaq: waiting for messages: ${missing.text}\n`);
}

async function consumeAsGroup(client: MetaqClient, options: ConsumeOptions, out: NodeJS.WritableStream): Promise<void> {
  const consumer = client.consumer({
    group: options.group!,
    offsetStorage: new FileOffsetStorage(options.offsetsFile),
    startFrom: options.offset,
    maxDelayFetchMs: 500,
  });
  consumer.subscribe(options.topic, { maxSize: options.maxSize, partitions: [options.partition] });
  // Iterating marks a message processed only when the next is asked for, so stopping at the
  // limit (or on Ctrl-C) commits exactly what was printed.
  options.signal?.addEventListener('abort', () => void consumer.close(), { once: true });
  if (options.from !== undefined) await consumer.seek(options.topic, options.partition, options.from);
  let printed = 0;
  for await (const message of consumer) {
    print(out, message);
    printed += 1;
    if (options.limit !== undefined && printed >= options.limit) break;
  }
  await consumer.close();
}

/** `metaq cluster --zk HOST:PORT`: brokers, topics, consumer groups, owners and lag; with `json` the same as one object. */
export async function printCluster(zkConnect: string, root: string, out: NodeJS.WritableStream, json = false): Promise<void> {
  const session = await ZkSession.open({ connect: zkConnect, sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  const connections = new Map<string, BrokerConnection>();
  const connection = (address: BrokerAddress): BrokerConnection => {
    let existing = connections.get(address.url);
    if (existing === undefined) connections.set(address.url, (existing = new BrokerConnection(address, connectionFromEnv())));
    return existing;
  };
  try {
    const view = await readClusterView(session, connection, root);
    if (json) {
      writeJson(out, clusterJson(view));
      return;
    }
    out.write('brokers\n');
    for (const broker of view.brokers) out.write(`  ${broker.brokerId}\t${broker.url ?? '(no master)'}\n`);
    out.write('topics\n');
    for (const topic of view.topics) out.write(`  ${topic.topic}\t${topic.partitions.join(' ')}\n`);
    out.write('groups\n');
    for (const group of view.groups) {
      out.write(`  ${group.group}\tmembers: ${group.members.length === 0 ? '-' : group.members.join(', ')}\n`);
      for (const p of group.partitions)
        out.write(`    ${p.topic} ${p.partition}\toffset ${p.offset ?? '?'}\tend ${p.end ?? '?'}\tlag ${p.lag ?? '?'}\towner ${p.owner ?? '-'}\n`);
    }
  } finally {
    await Promise.all([...connections.values()].map((c) => c.close()));
    await session.close();
  }
}

/**
 * `metaq tx list|commit|rollback`: the broker's open and heuristically completed transactions,
 * and an operator's commit or rollback of a prepared XA transaction whose coordinator is gone
 * (docs/transactions.md). The coordinator's later commit or rollback then hears the heuristic outcome.
 */
export async function transactions(target: Target, action: string, key: string | undefined, out: NodeJS.WritableStream, json = false): Promise<void> {
  if (action === 'list') {
    const client = clientFor(target);
    try {
      const replies = await client.stats('transactions');
      if (json) {
        writeJson(out, transactionsJson(replies));
        return;
      }
      for (const [, values] of replies) {
        out.write('KEY STATE MESSAGES AGE_MS\n');
        for (const [txKey, value] of values) out.write(`${txKey} ${value}\n`);
      }
    } finally {
      await client.close();
    }
    return;
  }
  if ((action !== 'commit' && action !== 'rollback') || key === undefined)
    throw new MetaqError('USAGE', 'tx needs list, or commit|rollback with an XID:… key from `metaq tx list`');
  const connection = new BrokerConnection(parseBrokerUrl(urlOf(target)), connectionFromEnv());
  try {
    await transactionRequest(connection, {
      txKey: key,
      sessionId: 'metaq-cli',
      type: action === 'commit' ? 'HEURISTIC_COMMIT' : 'HEURISTIC_ROLLBACK',
      requestTimeoutMs: 30_000,
    });
    out.write(
      `${action === 'commit' ? 'committed' : 'rolled back'} ${key} heuristically; the coordinator will be told when it retries, and should FORGET it\n`,
    );
  } finally {
    await connection.close();
  }
}
