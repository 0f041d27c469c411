import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { MetaqClient } from '../../src/client/index.js';
import type { Consumer, Logger } from '../../src/client/index.js';
import { GroupMembership } from '../../src/client/consumer/group-membership.js';
import { movedPartitionOrigin } from '../../src/client/consumer/moved-partition-origin.js';
import { assignmentStrategy } from '../../src/coordination/rebalance/strategy.js';
import { movedFromPath, readMoves } from '../../src/coordination/zk/reassignments.js';
import { ZkSession } from '../../src/coordination/zk/zk-session.js';
import { MetaZnodes, topicBrokerJson } from '../../src/coordination/zk/znodes.js';
import { silentLogger } from '../support/storage-harness.js';
import { tempDir } from '../support/broker-process.js';
import { readJsonLines } from '../support/event-log.js';
import type { MoveClientSettings } from './move-client.js';

const CLIENT = fileURLToPath(new URL('./move-client.js', import.meta.url));
import { eventually } from '../support/eventually.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';
import type { SuiteZookeeper } from '../support/suite-zookeeper.js';
import { movingBroker, reassign } from './move-cluster.js';
import { logDeliveries, loggedMember } from './move-load.js';
import { checkMove, ownershipOverlaps } from './move-history.js';
import type { TimedMoveEvent } from './move-history.js';
import type { MoveClientEvent } from './move-client.js';

/** What a new owner logs when the moved partition's old owner kept it for RELEASE_WAIT_MS (60 s). */
const RELEASE_WAIT_WARNING = 'did not let go in time';

/** Warnings and errors as lines, everything else dropped. */
function capturingLogger(lines: string[]): Logger {
  const keep = (fields: object, message?: string): void => {
    let text: string;
    try {
      text = JSON.stringify(fields);
    } catch {
      text = '{…}';
    }
    lines.push(`${message ?? ''} ${text}`);
  };
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: keep, error: keep, child: () => logger };
  return logger;
}

/** Poll `check` every 100 ms, at most `rounds` times; false when it never held. */
async function within(rounds: number, check: () => Promise<boolean> | boolean): Promise<boolean> {
  for (let round = 0; round < rounds; round += 1) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** A broker id and how many partitions of the topic it has before the move. */
interface Side {
  id: number;
  partitions: number;
}

/**
 * A group of `members` consumers reads topic `topic` while the source's last partition moves to
 * the target under load. The layouts below make the moved partition's old and new owners two
 * members (DEFAULT strategy), other partitions changing hands too. A target that already has
 * partitions of the topic lets a rebalance read the source before the withdrawal and the target
 * after the registration: it sees the moved partition under both names.
 */
async function groupMove(zookeeper: SuiteZookeeper, topic: string, members: string[], source: Side, target: Side, processes = false): Promise<void> {
  const one = await movingBroker(zookeeper.connect, source.id, { [topic]: source.partitions });
  const two = await movingBroker(zookeeper.connect, target.id, target.partitions === 0 ? { other: 1 } : { [topic]: target.partitions });
  const names = (side: Side, count: number): string[] => Array.from({ length: count }, (_, i) => `${side.id}-${i}`);
  const before = [...names(source, source.partitions), ...names(target, target.partitions)];
  const after = [...names(source, source.partitions - 1), ...names(target, target.partitions + 1)];
  const from = `${source.id}-${source.partitions - 1}`;
  const to = `${target.id}-${target.partitions}`;
  const warnings: string[] = [];
  const local: TimedMoveEvent[] = [];
  // In one process a counter orders events exactly; child processes log wall-clock milliseconds.
  let clock = 0;
  const log = (event: MoveClientEvent): void => void local.push({ ...event, at: processes ? Date.now() : (clock += 1) });
  const eventsDir = tempDir('move-group-events');
  const children: ChildProcess[] = [];
  const childEvents = (): TimedMoveEvent[] => members.flatMap((who) => readJsonLines<TimedMoveEvent>(join(eventsDir, `${who}.jsonl`)));
  let events: TimedMoveEvent[] = local;
  const clients: MetaqClient[] = [];
  const consumers = new Map<string, Consumer>();
  const producerClient = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000, logger: capturingLogger(warnings) });
  clients.push(producerClient);
  let producing = true;
  let load: Promise<void> = Promise.resolve();
  try {
    for (const who of members) {
      if (processes) {
        const settings: MoveClientSettings = {
          zkConnect: zookeeper.connect,
          topic,
          group: 'billing',
          consumerId: who,
          prefix: who,
          eventsFile: join(eventsDir, `${who}.jsonl`),
          produce: false,
        };
        // Its warnings (a RELEASE_WAIT running out among them) on stderr, kept for the check.
        const child = spawn(process.execPath, [CLIENT, JSON.stringify(settings)], { stdio: ['pipe', 'pipe', 'pipe'] });
        children.push(child);
        child.stderr.on('data', (chunk: Buffer) =>
          warnings.push(
            ...chunk
              .toString()
              .split('\n')
              .filter((line) => line !== ''),
          ),
        );
        await once(child.stdout, 'data');
        continue;
      }
      const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000, logger: capturingLogger(warnings) });
      clients.push(client);
      const consumer = client.consumer(loggedMember('billing', who, log)).subscribe(topic);
      await consumer.run(logDeliveries(who, log));
      consumers.set(who, consumer);
    }
    // Who owns what: each member's own view in one process, the group's owner nodes with children.
    const owners = async (): Promise<Map<string, string[]>> => {
      const owned = new Map<string, string[]>();
      if (processes) {
        for (const partition of new Set([...before, ...after])) {
          const holder = await zookeeper.session.getData(new MetaZnodes().owner('billing', topic, partition));
          if (holder !== undefined) owned.set(partition, [holder.replace(/^billing_/, '')]);
        }
        return owned;
      }
      for (const [who, consumer] of consumers)
        for (const partition of consumer.ownership()?.get(topic) ?? []) owned.set(partition, [...(owned.get(partition) ?? []), who]);
      return owned;
    };
    const settledOn = async (partitions: string[]): Promise<boolean> => {
      const owned = await owners();
      return owned.size === partitions.length && partitions.every((p) => owned.get(p)?.length === 1);
    };
    await eventually(() => settledOn(before), 'every partition owned by one member');
    const oldOwner = (await owners()).get(from)![0]!;

    const producer = producerClient.producer();
    load = (async () => {
      for (let seq = 0; producing; seq += 1) {
        const data = `p:${seq}`;
        await producer.send({ topic, data }).then(
          (r) => log({ kind: 'acked', data, partition: `${r.partition.brokerId}-${r.partition.index}`, offset: r.offset }),
          () => undefined, // not acked: the checker holds only acked sends to account
        );
      }
    })();
    const acked = () => local.filter((e) => e.kind === 'acked');
    await eventually(() => acked().filter((e) => e.partition === from).length >= 100, 'sends to the partition that will move');

    await reassign(zookeeper.session, zookeeper.connect, { kind: 'moves', moves: [{ topic, source: source.id, count: 1, target: target.id }] });
    // Bounded well under RELEASE_WAIT_MS (60 s): a new owner that waited it out for the old owner misses this.
    const moved = await within(300, async () => {
      const moves = await readMoves(zookeeper.session, new MetaZnodes());
      return moves.length > 0 && moves.every((m) => m.state === 'done') && (await settledOn(after));
    });
    assert.ok(
      moved,
      `the move is done and the group owns the new layout within 30 s: ${JSON.stringify({
        moves: await readMoves(zookeeper.session, new MetaZnodes()),
        owners: [...(await owners())],
        warnings,
      })}`,
    );
    const newOwner = (await owners()).get(to)![0]!;
    assert.notEqual(newOwner, oldOwner, 'the moved partition changed hands between two members');
    assert.deepEqual(
      warnings.filter((w) => w.includes(RELEASE_WAIT_WARNING)),
      [],
      'the new owner did not wait out RELEASE_WAIT for the old one',
    );

    const atDone = acked().length;
    await eventually(() => acked().filter((e, i) => i >= atDone && e.partition === to).length >= 100, 'sends go on to the moved partition');
    producing = false;
    await load;
    const delivered = (): TimedMoveEvent[] => (processes ? childEvents() : local);
    await eventually(() => {
      const seen = new Set(delivered().flatMap((e) => (e.kind === 'delivered' ? [e.data] : [])));
      return acked().every((e) => seen.has(e.data));
    }, 'every acked message consumed').catch(() => undefined); // the checker says which were not
    for (const consumer of consumers.values()) await consumer.close();
    for (const child of children) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    if (processes) events = [...local, ...childEvents()];

    const verdict = checkMove({ events, preloaded: [], moved: { from, to }, committedAtKill: undefined });
    console.log(`group move (${members.length} members, ${from} of ${oldOwner} to ${to} of ${newOwner}): ${verdict.acked} acked`);
    assert.deepEqual(verdict.lost, [], 'nothing acked lost');
    assert.deepEqual(verdict.misplaced, [], 'every message at the partition and offset its producer was told');
    assert.deepEqual(verdict.duplicates, [], 'nothing delivered twice');
    assert.equal(verdict.redelivered, 0, 'nothing redelivered');
    assert.deepEqual(verdict.ackOrder, [], "the producer's order kept in the moved partition");
    assert.deepEqual(verdict.deliveryOrder, [], 'each consumer reads a partition in order');
    assert.deepEqual(ownershipOverlaps(events, { from, to }), [], 'each partition, the moved one under either name, owned by one member at a time');
    assert.deepEqual(
      warnings.filter((w) => w.includes(RELEASE_WAIT_WARNING)),
      [],
      'no member waited out RELEASE_WAIT',
    );
  } finally {
    producing = false;
    await load;
    for (const child of children) child.kill('SIGKILL');
    for (const consumer of consumers.values()) await consumer.close().catch(() => undefined);
    for (const client of clients) await client.close().catch(() => undefined);
    await one.broker.stop();
    await two.broker.stop();
  }
}

describe('online partition move with a consumer group', { timeout: 300_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true });

  it('two members: the moved partition goes from one member to the other promptly, nothing lost, nothing twice, never two owners', async () => {
    await groupMove(zookeeper, 'g2', ['a', 'b'], { id: 2, partitions: 3 }, { id: 1, partitions: 0 });
  });

  it('two members, the target already has a partition of the topic: a rebalance may see the moved partition under both names', async () => {
    await groupMove(zookeeper, 'g2t', ['a', 'b'], { id: 6, partitions: 3 }, { id: 5, partitions: 1 });
  });

  it('two members as processes: the same handover with each member on its own event loop', async () => {
    await groupMove(zookeeper, 'g2p', ['a', 'b'], { id: 8, partitions: 3 }, { id: 7, partitions: 1 }, true);
  });

  it('three members: every partition changes hands with the move, promptly, nothing lost, nothing twice, never two owners', async () => {
    await groupMove(zookeeper, 'g3', ['a', 'b', 'c'], { id: 4, partitions: 3 }, { id: 3, partitions: 0 });
  });

  it('a member whose rebalance saw the moved partition under both names lets the old one go once it is withdrawn (no retry loop on REBALANCE_STALE)', async () => {
    const znodes = new MetaZnodes();
    const topic = 'gs';
    const setup = zookeeper.session;
    const sub = (broker: number, numParts: number) => setup.writePersistent(`${znodes.topicsSub(topic)}/${broker}-m`, topicBrokerJson(numParts, broker));
    await sub(2, 3);
    await sub(1, 1);
    const session = await ZkSession.open({ connect: zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    // What the consumer does with an assignment: stop what left it, start the rest, a moved partition once its old owner let go.
    const fetching = new Set<string>();
    // Called once the member below exists: it asks whose the old partition's owner node is.
    const origin = movedPartitionOrigin(session, znodes, 'billing', silentLogger, () => membership.consumerId);
    const assign = async (_topic: string, partitions: string[]): Promise<void> => {
      for (const partition of [...fetching]) if (!partitions.includes(partition)) fetching.delete(partition);
      for (const partition of partitions) {
        if (fetching.has(partition)) continue;
        const [brokerId, index] = partition.split('-').map(Number) as [number, number];
        await origin(topic, { brokerId, index });
        fetching.add(partition);
      }
    };
    const membership = new GroupMembership(session, znodes, 'billing', [topic], assign, silentLogger, 50, assignmentStrategy('DEFAULT'), 'solo');
    try {
      await membership.join();
      assert.deepEqual([...fetching].sort(), ['1-0', '2-0', '2-1', '2-2']);
      // 2-2 moved to 1-1: a rebalance that read broker 2 before the withdrawal and broker 1 after
      // the registration sees both names; held here until the withdrawal, so every attempt does.
      await setup.writePersistent(movedFromPath(znodes, topic, 1, 1), '2-2');
      await sub(1, 2);
      await eventually(() => membership.ownership().get(topic)?.includes('1-1') === true, 'the member claimed the new name');
      assert.equal(fetching.has('1-1'), false, 'and waits for itself to let the old one go');
      await sub(2, 2);
      const ownerOfOld = znodes.owner('billing', topic, '2-2');
      const released = await within(50, async () => (await setup.getData(ownerOfOld)) === undefined && fetching.has('1-1'));
      assert.ok(
        released,
        `once 2-2 is withdrawn its owner node goes and 1-1 is fetched: owner ${await setup.getData(ownerOfOld)}, fetching ${[...fetching].sort().join(',')}`,
      );
      assert.deepEqual([...fetching].sort(), ['1-0', '1-1', '2-0', '2-1']);
    } finally {
      await membership.leave();
      await session.close();
    }
  });
});
