import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsumerOptions, MetaqClient, PartitionSelector, ReceivedMessage } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { readJsonLines } from '../support/event-log.js';
import type { MoveClientEvent, MoveClientSettings } from './move-client.js';
import type { MoveHistory } from './move-history.js';

/** A move test's group member: quick rebalances and commits, each assignment logged. */
export function loggedMember(group: string, who: string, log: (event: MoveClientEvent) => void): ConsumerOptions {
  return {
    group,
    consumerId: who,
    rebalanceRetryMs: 100,
    maxDelayFetchMs: 20,
    commitIntervalMs: 50,
    rebalanceListener: {
      onPartitionsAssigned: (_topic, partitions) => partitions.forEach((partition) => log({ kind: 'assigned', who, partition })),
      onPartitionsRevoked: (_topic, partitions) => partitions.forEach((partition) => log({ kind: 'revoked', who, partition })),
    },
  };
}

/** A listener logging each delivery to a member named `who`. */
export function logDeliveries(who: string, log: (event: MoveClientEvent) => void): (message: ReceivedMessage) => void {
  return (m) => log({ kind: 'delivered', who, partition: `${m.partition.brokerId}-${m.partition.index}`, offset: m.offset, data: m.data.toString() });
}

const CLIENT = fileURLToPath(new URL('./move-client.js', import.meta.url));

type Acked = Extract<MoveClientEvent, { kind: 'acked' }>;

/** The move tests' load: move-client.ts children (in this process's network namespace) of one group, each logging to its own file. */
export interface MoveLoad {
  /** Start a client named `name` (its consumer id and its sends' prefix) once it runs; `produce: false` for a consumer only. */
  start: (name: string, produce?: boolean) => Promise<ChildProcess>;
  /** Every event every client logged so far. */
  events: () => MoveClientEvent[];
  /** SIGKILL every client still running (for a `finally`). */
  killAll: () => void;
}

export function moveLoad(options: { zkConnect: string; topic: string; env?: Record<string, string> }): MoveLoad {
  const eventsDir = tempDir('move-events');
  const clients: ChildProcess[] = [];
  return {
    start: async (name, produce = true) => {
      const settings: MoveClientSettings = {
        zkConnect: options.zkConnect,
        topic: options.topic,
        group: 'billing',
        consumerId: name,
        prefix: name,
        eventsFile: join(eventsDir, `${name}.jsonl`),
        produce,
      };
      const child = spawn(process.execPath, [CLIENT, JSON.stringify(settings)], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, ...options.env },
      });
      clients.push(child);
      await once(child.stdout, 'data');
      return child;
    },
    events: () => readdirSync(eventsDir).flatMap((file) => readJsonLines<MoveClientEvent>(join(eventsDir, file))),
    killAll: () => clients.forEach((child) => child.kill('SIGKILL')),
  };
}

/** A selector sending everything to `partition` (`<broker>-<index>`) while it is listed. */
export function toPartition(partition: string): PartitionSelector {
  return (_topic, partitions) => partitions.find((p) => `${p.brokerId}-${p.index}` === partition) ?? partitions[0]!;
}

/** Put `count` messages of about 1 kB on `partition`, 64 at a time, so a move has data to copy; what was acked. */
export async function preload(client: MetaqClient, topic: string, partition: string, count: number): Promise<Acked[]> {
  const preloader = client.producer({ selector: toPartition(partition) });
  const padding = 'x'.repeat(1000);
  const acked: Acked[] = [];
  for (let i = 0; i < count; i += 64) {
    const sent = await Promise.all(
      Array.from({ length: 64 }, (_, j) => preloader.send({ topic, data: `pre:${i + j}:${padding}` }).then((r) => ({ data: `pre:${i + j}:${padding}`, r }))),
    );
    for (const { data, r } of sent) acked.push({ kind: 'acked', data, partition: `${r.partition.brokerId}-${r.partition.index}`, offset: r.offset });
  }
  return acked;
}

/**
 * Once the move is done: wait until `producer`'s sends go on to the moved partition, stop it, and
 * consume what is left with a consumer-only client of the same group. Fills `history.events`.
 */
export async function finishAfterMove(load: MoveLoad, producer: ChildProcess, history: MoveHistory): Promise<void> {
  const acksAtDone = load.events().filter((e) => e.kind === 'acked').length;
  await eventually(
    () =>
      load.events().filter((e) => e.kind === 'acked' && e.partition === history.moved.to).length >= 50 &&
      load.events().filter((e) => e.kind === 'acked').length > acksAtDone,
    'sends go on to the moved partition',
  );
  producer.kill('SIGTERM');
  await once(producer, 'exit');
  const everyAcked = () => [...history.preloaded, ...load.events()].flatMap((e) => (e.kind === 'acked' ? [e.data] : []));
  // Consume what the stopped client's sends left, with the same group.
  const drain = await load.start('drain', false);
  await eventually(() => {
    const delivered = new Set(load.events().flatMap((e) => (e.kind === 'delivered' ? [e.data] : [])));
    return everyAcked().every((data) => delivered.has(data));
  }, 'every acked message consumed').catch(() => undefined); // the checker says which were not
  drain.kill('SIGTERM');
  await once(drain, 'exit');
  history.events = load.events();
}
