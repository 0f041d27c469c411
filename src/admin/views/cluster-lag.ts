import type { Broker } from '../../broker/broker.js';
import { probePartitionEnds } from '../../broker/replication/partition-end-probe.js';
import { replicationLinkOptions } from '../../broker/replication/link-options.js';
import { isInternalGroup } from '../../common/internal-groups.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';
import { parseOffsetNode } from '../../coordination/zk/znodes.js';

/** Bounds on one answer: ZooKeeper reads and wire probes grow with the committed offsets, so both are capped. */
export interface LagBounds {
  /** Committed offsets read at most; the rest are counted in `omitted`. */
  maxPartitions: number;
  /** How long each other broker may take to tell its partitions' ends. */
  probeTimeoutMs: number;
  /** Include metaq's own groups (src/common/internal-groups.ts). */
  all: boolean;
}

export interface ClusterLagPartition {
  topic: string;
  brokerId: number;
  partition: number;
  committed: number;
  /** The partition's end on its broker; null when that broker did not answer (see `unreachable`). */
  end: number | null;
  lagBytes: number | null;
  /** Only for this broker's partitions, whose average message size is known here; null elsewhere. */
  lagMessagesEstimate: number | null;
  /** The committed position is past the end (the log was truncated or created again): lag 0. */
  pastEnd: boolean;
}

export interface ClusterLagGroup {
  group: string;
  internal: boolean;
  /** Summed over the partitions whose end is known. */
  lagBytes: number;
  lagMessagesEstimate: number | null;
  /** Partitions whose end is unknown (their broker did not answer): not in `lagBytes`. */
  unknownPartitions: number;
  partitions: ClusterLagPartition[];
}

export interface ClusterLag {
  groups: ClusterLagGroup[];
  /** What was left out to keep the answer bounded. */
  omitted: { partitions: number; reason: string | null };
  /** Brokers whose ends could not be read, and why. */
  unreachable: Array<{ brokerId: number; problem: string }>;
}

/**
 * Consumer groups' lag over the whole cluster: the offsets each group committed in ZooKeeper,
 * against each partition's end on the broker that holds it (this broker's from its stores, the
 * others' asked over the wire).
 */
export async function readClusterLag(
  broker: Broker,
  session: ZkSession,
  znodes: MetaZnodes,
  masters: ReadonlyMap<number, string | null>,
  bounds: LagBounds,
): Promise<ClusterLag> {
  const { partitions, omitted } = await readCommitted(session, znodes, bounds);
  const self = broker.config.system.brokerId;
  const ends = new Map<string, number>();
  const unreachable: ClusterLag['unreachable'] = [];
  const byBroker = new Map<number, Array<{ topic: string; partition: number }>>();
  for (const p of partitions) {
    if (p.brokerId === self) {
      const log = broker.stores.find(p.topic, p.partition);
      if (log !== undefined) ends.set(endKey(self, p.topic, p.partition), broker.replication.visibleEnd(log));
      continue;
    }
    const list = byBroker.get(p.brokerId) ?? [];
    if (!list.some((q) => q.topic === p.topic && q.partition === p.partition)) list.push({ topic: p.topic, partition: p.partition });
    byBroker.set(p.brokerId, list);
  }
  const link = replicationLinkOptions(broker.tls, broker.config.auth);
  await Promise.all(
    [...byBroker].map(async ([brokerId, wanted]) => {
      const url = masters.get(brokerId);
      if (!url) {
        unreachable.push({ brokerId, problem: 'no master registered in ZooKeeper' });
        return;
      }
      const probe = await probePartitionEnds(url, link, wanted, bounds.probeTimeoutMs);
      for (const [key, end] of probe.ends) ends.set(`${brokerId}:${key}`, end);
      if (probe.problem !== undefined) unreachable.push({ brokerId, problem: probe.problem });
    }),
  );
  unreachable.sort((a, b) => a.brokerId - b.brokerId);
  return { groups: summarise(broker, partitions, ends), omitted, unreachable };
}

function endKey(brokerId: number, topic: string, partition: number): string {
  return `${brokerId}:${topic}-${partition}`;
}

interface Committed {
  group: string;
  topic: string;
  brokerId: number;
  partition: number;
  committed: number;
}

/** Committed offsets of every group (internal ones only when asked), up to `maxPartitions`. */
async function readCommitted(session: ZkSession, znodes: MetaZnodes, bounds: LagBounds): Promise<{ partitions: Committed[]; omitted: ClusterLag['omitted'] }> {
  const partitions: Committed[] = [];
  let left = 0;
  for (const group of (await session.getChildren(`${znodes.root}/consumers`)).sort()) {
    if (!bounds.all && isInternalGroup(group)) continue;
    for (const topic of (await session.getChildren(`${znodes.root}/consumers/${group}/offsets`)).sort()) {
      for (const node of await session.getChildren(`${znodes.root}/consumers/${group}/offsets/${topic}`)) {
        const match = /^(\d+)-(\d+)$/.exec(node);
        if (match === null) continue;
        // Past the cap only the names are read: the count of what was left out stays honest.
        if (partitions.length >= bounds.maxPartitions) {
          left += 1;
          continue;
        }
        const offset = parseOffsetNode((await session.getData(znodes.offset(group, topic, node))) ?? '');
        if (offset !== undefined) partitions.push({ group, topic, brokerId: Number(match[1]), partition: Number(match[2]), committed: offset.offset });
      }
    }
  }
  const reason = left === 0 ? null : `${left} committed offsets past the first ${bounds.maxPartitions} were not read; see each broker's GET /api/groups`;
  return { partitions, omitted: { partitions: left, reason } };
}

function summarise(broker: Broker, partitions: Committed[], ends: ReadonlyMap<string, number>): ClusterLagGroup[] {
  const groups = new Map<string, ClusterLagGroup>();
  const self = broker.config.system.brokerId;
  for (const c of partitions) {
    let g = groups.get(c.group);
    if (g === undefined)
      groups.set(
        c.group,
        (g = { group: c.group, internal: isInternalGroup(c.group), lagBytes: 0, lagMessagesEstimate: null, unknownPartitions: 0, partitions: [] }),
      );
    const end = ends.get(endKey(c.brokerId, c.topic, c.partition));
    const lagBytes = end === undefined ? null : Math.max(0, end - c.committed);
    let estimate: number | null = null;
    if (lagBytes !== null && c.brokerId === self) {
      // As GET /api/groups estimates it: the lag over the partition's average stored message size.
      const log = broker.stores.find(c.topic, c.partition);
      const average = log !== undefined && log.messageCount > 0 ? log.sizeInBytes / log.messageCount : 0;
      estimate = average > 0 ? Math.ceil(lagBytes / average) : 0;
    }
    g.partitions.push({
      topic: c.topic,
      brokerId: c.brokerId,
      partition: c.partition,
      committed: c.committed,
      end: end ?? null,
      lagBytes,
      lagMessagesEstimate: estimate,
      pastEnd: end !== undefined && c.committed > end,
    });
    if (lagBytes === null) g.unknownPartitions += 1;
    else g.lagBytes += lagBytes;
    if (estimate !== null) g.lagMessagesEstimate = (g.lagMessagesEstimate ?? 0) + estimate;
  }
  for (const g of groups.values())
    g.partitions.sort((a, b) => (a.topic === b.topic ? a.brokerId - b.brokerId || a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return [...groups.values()];
}
