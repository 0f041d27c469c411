import { createInterface } from 'node:readline';
import type { FetchResult, Partition, PartitionSelector, ReceivedMessage } from '../client/index.js';
import { FileOffsetStorage, MetaqClient, partitionName, readClusterView, ZkSession } from '../client/index.js';
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
import { fetchOnce } from '../client/consumer/fetch-once.js';

/** `--zk`: cluster mode, every partition of every broker of a topic (ZooKeeper's view) instead of the one `--host`/`--port` broker. */
export interface ClusterTarget {
  zk?: string;
}

function clientFor(target: Target & ClusterTarget): MetaqClient {
  if (target.zk !== undefined) return new MetaqClient({ zkConnect: target.zk, connection: connectionFromEnv() });
  return new MetaqClient({ serverUrl: urlOf(target), connection: connectionFromEnv() });
}

/** How produce and consume print a partition: its index, or "brokerId-index" in cluster mode, where indexes repeat on each broker. */
function partitionLabel(target: ClusterTarget, partition: Partition): string {
  return target.zk === undefined ? String(partition.index) : partitionName(partition);
}

/** The topic's partitions to read or send to: all of them, or the `index`th (`--partition`). */
async function partitionsOf(client: MetaqClient, topic: string, index: number | undefined): Promise<Partition[]> {
  const known = await client.router.partitions(topic);
  // An http:// broker cannot say: read partition 0, as before partition counts were learned.
  const all = known.length === 1 && known[0]!.index === -1 ? [{ brokerId: 0, index: 0 }] : [...known];
  if (index === undefined) return all;
  return [all[index] ?? { brokerId: all[0]?.brokerId ?? 0, index }];
}

/** `--partition N`: every message to the Nth of the topic's partitions (by broker, then index). */
function fixedPartition(index: number): PartitionSelector {
  return (_topic, partitions) => partitions[index] ?? { brokerId: partitions[0]?.brokerId ?? 0, index };
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
  target: Target & ClusterTarget & { partition?: number },
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
    const producer = client.producer(target.partition === undefined ? {} : { selector: fixedPartition(target.partition) });
    const { failed } = await producer.sendAll(outgoing(), {
      inFlight: 1000,
      onResult: (_message, error, result) => {
        done += 1;
        if (error) process.stderr.write(`send failed: ${error.message}\n`);
        else out.write(`${result!.id} ${partitionLabel(target, result!.partition)} ${result!.offset}\n`);
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
  /** One partition (the Nth of the topic's); undefined reads them all. */
  partition: number | undefined;
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

function print(out: NodeJS.WritableStream, target: ClusterTarget, message: ReceivedMessage): void {
  out.write(messageLine(message, partitionLabel(target, message.partition)));
}

/** Where a read of one partition has got to. */
interface PartitionRead {
  partition: Partition;
  start: number;
  offset: number;
}

/**
 * `metaq consume`: print one line per message (message-line.ts, partition first), of one partition or of every
 * partition (in order within each). Without --follow each partition is read to its end in turn;
 * with it, all are polled.
 */
export async function consume(target: Target & ClusterTarget, options: ConsumeOptions, out: NodeJS.WritableStream): Promise<void> {
  const client = clientFor(target);
  try {
    if (options.group !== undefined) {
      await consumeAsGroup(client, target, options, out);
      return;
    }
    const reads: PartitionRead[] = [];
    for (const partition of await partitionsOf(client, options.topic, options.partition)) {
      const start = options.from === undefined ? options.offset : await client.offsetForTime(options.topic, partition, options.from);
      reads.push({ partition, start, offset: start });
    }
    // Only a read of one partition insists that it exists: of a topic's several, some may have no message yet.
    const strict = reads.length === 1 && target.zk === undefined;
    let printed = 0;
    while (reads.length > 0 && !options.signal?.aborted && (options.limit === undefined || printed < options.limit)) {
      let progressed = false;
      for (const read of options.follow ? [...reads] : reads.slice(0, 1)) {
        const result = await fetchAt(client, options, read);
        if (result.caughtUp) {
          // Nothing at the offset asked for: a wrong topic, partition or offset must not pass as an empty read.
          if (strict && read.offset === read.start) await checkReadTarget(target, options, read);
          read.start = -1; // checked
          if (!options.follow) reads.shift();
          continue;
        }
        progressed = true;
        for (const message of result.messages.slice(0, options.limit === undefined ? undefined : options.limit - printed)) {
          print(out, target, message);
          printed += 1;
        }
        read.offset = result.nextOffset;
        if (options.limit !== undefined && printed >= options.limit) break;
      }
      if (options.follow && !progressed) await new Promise((resolve) => setTimeout(resolve, 200)); // poll interval of --follow
    }
  } finally {
    await client.close();
  }
}

/** One fetch; an offset inside a message is the user's to fix, so it is said in the command's terms. */
async function fetchAt(client: MetaqClient, options: ConsumeOptions, read: PartitionRead): Promise<FetchResult> {
  try {
    const connection = client.connection(await client.router.readBroker(read.partition));
    return await fetchOnce(connection, options.topic, read.partition, read.offset, options.maxSize, 10_000, 'metaq-get');
  } catch (error) {
    if (!hasErrorCode(error, 'NOT_A_MESSAGE_START')) throw error;
    throw new MetaqError(
      'NOT_FOUND',
      `offset ${read.offset} is not at the start of a message in ${options.topic}-${read.partition.index}: offsets are byte positions, not message numbers; use an offset printed by 'metaq produce' or 'metaq consume', or --from <time>`,
    );
  }
}

/** Fails for a missing partition or an offset past the end; with --follow, a partition not created yet is only noted. */
async function checkReadTarget(target: Target, options: ConsumeOptions, read: PartitionRead): Promise<void> {
  const missing = await missingReadTarget(target, options.topic, read.partition.index, read.offset);
  if (missing === undefined) return;
  if (!(options.follow && missing.partitionMissing)) throw new MetaqError('NOT_FOUND', missing.text);
  process.stderr.write(`metaq: waiting for messages: ${missing.text}\n`);
}

async function consumeAsGroup(client: MetaqClient, target: ClusterTarget, options: ConsumeOptions, out: NodeJS.WritableStream): Promise<void> {
  const consumer = client.consumer({
    group: options.group!,
    offsetStorage: new FileOffsetStorage(options.offsetsFile),
    startFrom: options.offset,
    maxDelayFetchMs: 500,
  });
  consumer.subscribe(options.topic, { maxSize: options.maxSize, partitions: options.partition === undefined ? undefined : [options.partition] });
  // Iterating marks a message processed only when the next is asked for, so stopping at the
  // limit (or on Ctrl-C) commits exactly what was printed.
  options.signal?.addEventListener('abort', () => void consumer.close(), { once: true });
  if (options.from !== undefined)
    for (const partition of await partitionsOf(client, options.topic, options.partition)) await consumer.seek(options.topic, partition, options.from);
  let printed = 0;
  for await (const message of consumer) {
    print(out, target, message);
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
        out.write(
          `    ${p.topic} ${p.partition}\toffset ${p.offset ?? '?'}\tend ${p.empty ? '0 (empty)' : (p.end ?? '?')}\tlag ${p.lag ?? '?'}\towner ${p.owner ?? '-'}\n`,
        );
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
