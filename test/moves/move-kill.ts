import { once } from 'node:events';
import { join } from 'node:path';
import { MetaqClient } from '../../src/client/index.js';
import { MOVE_FAULTS } from '../../src/common/move-faults.js';
import type { MoveFault } from '../../src/common/move-faults.js';
import { readMove } from '../../src/coordination/zk/reassignments.js';
import type { MoveState } from '../../src/coordination/zk/reassignments.js';
import { MetaZnodes, parseOffsetNode } from '../../src/coordination/zk/znodes.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import type { SuiteZookeeper } from '../support/suite-zookeeper.js';
import type { MoveHistory } from './move-history.js';
import { finishAfterMove, moveLoad, preload, toPartition } from './move-load.js';
import { reassign } from './move-cluster.js';

const znodes = new MetaZnodes();

/** Who is killed, and in which step of the move: copying (throttled), fencing (held by an open transaction), switched (held by zk.zkSyncTimeMs). */
export interface MoveKill {
  kill: 'source' | 'target' | 'client';
  at: 'copying' | 'fencing' | 'switched';
  /** Broker ids `base` (source) and `base + 1` (target); the topic is `k<base>`. */
  base: number;
  faults?: MoveFault[];
}

export interface MoveKillRun {
  history: MoveHistory;
  /** The move's state in ZooKeeper right after the kill. */
  stateAtKill: MoveState | undefined;
  /** Why the target refused to switch, when it did (the move stops there). */
  refused?: string;
}

const PRELOAD_MESSAGES = 1536; // 1.5 MiB on the moving partition, so the throttled copy takes a while
const THROTTLE = 1024 * 1024;

/**
 * One kill -9 during an online move of partition `base`-1 to broker `base + 1` under load, then
 * the killed party started again; returns everything the producers were told and the group
 * delivered once the move is done and every acked message was consumed.
 */
export async function runMoveKill(zookeeper: SuiteZookeeper, scenario: MoveKill): Promise<MoveKillRun> {
  const { base } = scenario;
  const topic = `k${base}`;
  const env = Object.fromEntries((scenario.faults ?? []).map((fault) => [MOVE_FAULTS[fault], '1']));
  const zk = { 'zk.zkConnect': zookeeper.connect, 'zk.zkSessionTimeoutMs': 4000, 'zk.zkSyncTimeMs': 1000 };
  const brokerConfig = (id: number, topics: Record<string, Record<string, number>>) => {
    const dir = tempDir(`move-kill-${id}`);
    // Group commit: every put fsynced before its ack and visible to consumers at once (no flush interval to wait for).
    return writeConfig(dir, { brokerId: id, dataPath: join(dir, 'data'), unflushThreshold: 0 }, topics, zk);
  };
  const configs = { source: brokerConfig(base, { [topic]: { numPartitions: 2 } }), target: brokerConfig(base + 1, { other: { numPartitions: 1 } }) };
  const brokers: Record<'source' | 'target', BrokerProcess> = {
    source: await startBrokerProcess(configs.source, { env }),
    target: await startBrokerProcess(configs.target, { env }),
  };
  const load = moveLoad({ zkConnect: zookeeper.connect, topic, env });
  const { events } = load;
  const startClient = (name: string) => load.start(name);
  const movingPartition = `${base}-1`;
  const client = new MetaqClient({ zkConnect: zookeeper.connect, zkSessionTimeoutMs: 4000 });
  const history: MoveHistory = { events: [], preloaded: [], moved: { from: movingPartition, to: `${base + 1}-0` }, committedAtKill: undefined };
  let stateAtKill: MoveState | undefined;
  let lanes: { stop: () => Promise<void> } | undefined;
  try {
    // The moving partition holds data before the move starts.
    history.preloaded.push(...(await preload(client, topic, movingPartition, PRELOAD_MESSAGES)));
    let client1 = await startClient('c1');
    await eventually(
      () => events().filter((e) => e.kind === 'delivered').length > 100 && events().some((e) => e.kind === 'acked'),
      'the client sends and consumes',
    );

    // An open transaction holding messages for the topic keeps the source in 'fencing'.
    const holder = scenario.at === 'fencing' ? client.producer({ selector: toPartition(movingPartition) }) : undefined;
    let held: string | undefined;
    if (holder !== undefined) {
      holder.beginTransaction();
      held = 'tx:held';
      await holder.send({ topic, data: held });
    }
    // Producers that keep sending to the moving partition itself while it moves: a fence that
    // failed to hold would take their puts past the end the source recorded.
    lanes = pressOn(client, topic, movingPartition, history);
    await reassign(zookeeper.session, zookeeper.connect, { kind: 'moves', moves: [{ topic, source: base, count: 1, target: base + 1 }] }, THROTTLE);
    const key = { topic, source: { broker: base, partition: 1 } };
    const state = async () => (await readMove(zookeeper.session, znodes, key))?.state;
    await eventually(async () => (await state()) === scenario.at, `the move reaches ${scenario.at}`);

    if (scenario.kill === 'client') {
      client1.kill('SIGKILL');
      await once(client1, 'exit');
      history.committedAtKill = await committedOffsets(zookeeper, topic, [movingPartition, `${base}-0`, history.moved.to]);
      stateAtKill = await state();
      client1 = await startClient('c2');
    } else {
      const broker = brokers[scenario.kill];
      await broker.kill('SIGKILL');
      stateAtKill = await state();
      brokers[scenario.kill] = await startBrokerProcess(configs[scenario.kill], { env, port: broker.port });
    }
    if (holder !== undefined) {
      // Its broker kept it open unless it was the one killed; committed, its message must arrive like any other.
      const committed = await holder.commit().then(
        () => true,
        () => false,
      );
      if (committed) history.preloaded.push({ kind: 'acked', data: held!, partition: movingPartition, offset: -1 });
    }

    // Done, or stopped by the target's check that its copy ends where the source said (a negative control's fault).
    let refused: string | undefined;
    await eventually(async () => {
      const move = await readMove(zookeeper.session, znodes, key);
      if (move?.problem?.includes('written by something else') === true) refused = move.problem;
      return move?.state === 'done' || refused !== undefined;
    }, 'the move is done').catch(async (error: unknown) => {
      // A throttled copy after a restart may take longer than one wait.
      await eventually(async () => (await state()) === 'done', 'the move is done').catch(async () => {
        throw new Error(`the move did not finish: ${JSON.stringify(await readMove(zookeeper.session, znodes, key))}`, { cause: error });
      });
    });
    await lanes.stop();
    if (refused !== undefined) return { history, stateAtKill, refused };
    await finishAfterMove(load, client1, history);
    return { history, stateAtKill };
  } finally {
    await lanes?.stop();
    load.killAll();
    await client.close();
    for (const broker of Object.values(brokers)) await broker.kill('SIGKILL');
  }
}

const LANES = 4;

/** `LANES` producers in this process sending `h<lane>:<seq>` one at a time to `partition` (another one while it is not listed); their acks go to the history. */
function pressOn(client: MetaqClient, topic: string, partition: string, history: MoveHistory): { stop: () => Promise<void> } {
  let running = true;
  const producer = client.producer({ selector: toPartition(partition) });
  const lanes = Array.from({ length: LANES }, async (_, lane) => {
    for (let seq = 0; running; seq += 1) {
      const data = `h${lane}:${seq}`;
      await producer.send({ topic, data }).then(
        (sent) => history.preloaded.push({ kind: 'acked', data, partition: `${sent.partition.brokerId}-${sent.partition.index}`, offset: sent.offset }),
        () => new Promise((resolve) => setTimeout(resolve, 20)), // not acked: nothing to account for; a broker down is retried shortly
      );
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(lanes);
    },
  };
}

/** The group's committed offsets of the given partitions, as ZooKeeper holds them now. */
async function committedOffsets(zookeeper: SuiteZookeeper, topic: string, partitions: string[]): Promise<Map<string, number>> {
  const offsets = new Map<string, number>();
  for (const partition of partitions) {
    const data = await zookeeper.session.getData(znodes.offset('billing', topic, partition));
    const parsed = data === undefined ? undefined : parseOffsetNode(data);
    if (parsed !== undefined) offsets.set(partition, parsed.offset);
  }
  return offsets;
}
