import type { Broker } from '../../broker/broker.js';
import { parseOffsetNode } from '../../coordination/zk/znodes.js';
import { isInternalGroup } from '../../common/internal-groups.js';

export interface GroupPartitionView {
  topic: string;
  partition: number;
  /** Offset the group committed in ZooKeeper (cluster mode), if any. */
  committed: number | undefined;
  /** Offset of the group's last get on this broker, if it fetched since start. */
  fetched: number | undefined;
  lastFetchMs: number | undefined;
  /** Consumer id owning the partition in ZooKeeper, or the address that last fetched it. */
  owner: string | undefined;
  client: string | undefined;
  maxOffset: number;
  /** Bytes not yet consumed: the end minus the committed offset (else the fetch position). */
  lagBytes: number;
  /**
   * Messages not yet consumed, estimated as lagBytes / the partition's average stored message
   * size (sizeBytes / messageCount): offsets are byte positions and no index maps them to counts.
   */
  lagMessagesEstimate: number;
  /** The position is past the partition's end (a log truncated or recreated under it): lag is 0, not negative. */
  pastEnd: boolean;
}

export interface GroupView {
  group: string;
  members: string[];
  partitions: GroupPartitionView[];
  lagBytes: number;
  /** One of metaq's own groups (src/common/internal-groups.ts): GET /api/groups lists it only with ?all=true. */
  internal: boolean;
}

/**
 * Every consumer group reading this broker: from ZooKeeper (committed offsets, owners, members)
 * in cluster mode, and from the gets this broker served, whatever offset storage a group uses.
 */
export async function readGroups(broker: Broker): Promise<GroupView[]> {
  const groups = new Map<string, GroupView>();
  const entry = (group: string, topic: string, partition: number): GroupPartitionView | undefined => {
    const log = broker.stores.find(topic, partition);
    if (log === undefined) return undefined;
    let view = groups.get(group);
    if (view === undefined) groups.set(group, (view = { group, members: [], partitions: [], lagBytes: 0, internal: isInternalGroup(group) }));
    let p = view.partitions.find((q) => q.topic === topic && q.partition === partition);
    if (p === undefined) {
      p = {
        topic,
        partition,
        committed: undefined,
        fetched: undefined,
        lastFetchMs: undefined,
        owner: undefined,
        client: undefined,
        maxOffset: broker.replication.visibleEnd(log),
        lagBytes: 0,
        lagMessagesEstimate: 0,
        pastEnd: false,
      };
      view.partitions.push(p);
    }
    return p;
  };
  for (const position of broker.positions.all()) {
    const p = entry(position.group, position.topic, position.partition);
    if (p === undefined) continue;
    p.fetched = position.offset;
    p.lastFetchMs = position.atMs;
    p.client = position.client;
  }
  await readZookeeperGroups(broker, entry, groups);
  for (const view of groups.values()) {
    view.partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    for (const p of view.partitions) {
      const position = p.committed ?? p.fetched ?? 0;
      p.lagBytes = Math.max(0, p.maxOffset - position);
      p.pastEnd = position > p.maxOffset;
      const log = broker.stores.find(p.topic, p.partition);
      const average = log !== undefined && log.messageCount > 0 ? log.sizeInBytes / log.messageCount : 0;
      p.lagMessagesEstimate = average > 0 ? Math.ceil(p.lagBytes / average) : 0;
    }
    view.lagBytes = view.partitions.reduce((sum, p) => sum + p.lagBytes, 0);
  }
  return [...groups.values()].sort((a, b) => (a.group < b.group ? -1 : 1));
}

async function readZookeeperGroups(
  broker: Broker,
  entry: (group: string, topic: string, partition: number) => GroupPartitionView | undefined,
  groups: Map<string, GroupView>,
): Promise<void> {
  const cluster = broker.cluster;
  if (cluster === undefined || !cluster.session.healthy) return;
  const { session, znodes } = cluster;
  const brokerId = broker.config.system.brokerId;
  for (const group of await session.getChildren(`${znodes.root}/consumers`)) {
    for (const topic of await session.getChildren(`${znodes.root}/consumers/${group}/offsets`)) {
      for (const node of await session.getChildren(`${znodes.root}/consumers/${group}/offsets/${topic}`)) {
        const [id, index] = node.split('-').map(Number);
        if (id !== brokerId || index === undefined) continue;
        const p = entry(group, topic, index);
        if (p === undefined) continue;
        p.committed = parseOffsetNode((await session.getData(znodes.offset(group, topic, node))) ?? '')?.offset;
        p.owner = (await session.getData(znodes.owner(group, topic, node))) || undefined;
      }
    }
    const view = groups.get(group);
    if (view !== undefined) view.members = (await session.getChildren(znodes.consumerIds(group))).sort();
  }
}
