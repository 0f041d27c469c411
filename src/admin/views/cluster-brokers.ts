import { parseEpoch } from '../../coordination/zk/broker-epoch.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';
import { parseTopicBroker } from '../../coordination/zk/znodes.js';

export interface ClusterMember {
  role: 'master' | 'sync slave' | 'async slave';
  url: string;
  /** An async slave's `slaveId`. */
  slaveId?: number;
}

export interface ClusterTopic {
  topic: string;
  /** numParts of the master's registration (topics-pub, else topics-sub). */
  partitions: number;
  publish: boolean;
  subscribe: boolean;
}

export interface ClusterBroker {
  brokerId: number;
  /** The master's URL, null while no master is registered (failover, or the broker is down). */
  master: string | null;
  members: ClusterMember[];
  /** `<root>/metaq/epochs/<id>`: only replicated broker ids that saw a promotion or a sync pair have one. */
  epoch: { epoch: number; master: string } | null;
  topics: ClusterTopic[];
  partitions: number;
}

/**
 * Every broker id with a live member in ZooKeeper: its master, sync slave and async slaves, its epoch,
 * and the topics (with partition counts) its master registered for publish and subscribe.
 */
export async function readClusterBrokers(session: ZkSession, znodes: MetaZnodes): Promise<ClusterBroker[]> {
  const ids = (await session.getChildren(znodes.brokerIds()))
    .map(Number)
    .filter(Number.isInteger)
    .sort((a, b) => a - b);
  const brokers = new Map<number, ClusterBroker>();
  await Promise.all(
    ids.map(async (brokerId) => {
      const master = (await session.getData(znodes.master(brokerId))) || null;
      const members: ClusterMember[] = master === null ? [] : [{ role: 'master', url: master }];
      const sync = await session.getData(znodes.syncSlave(brokerId));
      if (sync) members.push({ role: 'sync slave', url: sync });
      const children = (await session.getChildren(znodes.brokerId(brokerId))).filter((c) => /^slave\d+$/.test(c));
      for (const child of children.sort()) {
        const url = await session.getData(`${znodes.brokerId(brokerId)}/${child}`);
        if (url) members.push({ role: 'async slave', url, slaveId: Number(child.slice(5)) });
      }
      const epoch = await readEpoch(session, znodes, brokerId);
      brokers.set(brokerId, { brokerId, master, members, epoch, topics: [], partitions: 0 });
    }),
  );
  await readTopics(session, znodes, brokers);
  for (const b of brokers.values()) {
    b.topics.sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : 0));
    b.partitions = b.topics.reduce((sum, t) => sum + t.partitions, 0);
  }
  // A stopped broker leaves its persistent id node: an id with no master and no slave is not listed (as metaq cluster does).
  return ids.map((id) => brokers.get(id)!).filter((b) => b.members.length > 0);
}

/** An unreadable epoch node is shown as none rather than failing the whole page. */
async function readEpoch(session: ZkSession, znodes: MetaZnodes, brokerId: number): Promise<ClusterBroker['epoch']> {
  const data = await session.getData(znodes.epoch(brokerId));
  return data === undefined ? null : (parseEpoch(data) ?? null);
}

/** The masters' `<id>-m` registrations under topics-pub and topics-sub; slaves' `<id>-s<n>` are not partitions of their own. */
async function readTopics(session: ZkSession, znodes: MetaZnodes, brokers: Map<number, ClusterBroker>): Promise<void> {
  for (const kind of ['publish', 'subscribe'] as const) {
    const base = kind === 'publish' ? `${znodes.root}/brokers/topics-pub` : `${znodes.root}/brokers/topics-sub`;
    for (const topic of await session.getChildren(base)) {
      for (const child of await session.getChildren(`${base}/${topic}`)) {
        const match = /^(\d+)-m$/.exec(child);
        const broker = match === null ? undefined : brokers.get(Number(match[1]));
        if (broker === undefined) continue;
        const registration = parseTopicBroker((await session.getData(`${base}/${topic}/${child}`)) ?? '');
        if (registration === undefined) continue;
        let entry = broker.topics.find((t) => t.topic === topic);
        if (entry === undefined) broker.topics.push((entry = { topic, partitions: registration.numParts, publish: false, subscribe: false }));
        if (kind === 'publish') entry.partitions = registration.numParts;
        entry[kind] = true;
      }
    }
  }
}
