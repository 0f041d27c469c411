import { LONG_MAX_OFFSET } from '../protocol/commands.js';
import { answeredOffset } from '../protocol/commands/offset.js';
import { Status } from '../protocol/status.js';
import { MetaZnodes, parseOffsetNode, parseTopicBroker } from '../coordination/zk/znodes.js';
import type { ZkSession } from '../coordination/zk/zk-session.js';
import type { BrokerTransport } from './transport/broker-transport.js';
import type { BrokerAddress } from './transport/broker-address.js';
import { parseBrokerUrl } from './transport/broker-address.js';

export interface ClusterView {
  brokers: Array<{ brokerId: number; url: string | undefined }>;
  topics: Array<{ topic: string; partitions: string[] }>;
  groups: Array<{
    group: string;
    members: string[];
    partitions: Array<{
      topic: string;
      partition: string;
      owner: string | undefined;
      offset: number | undefined;
      end: number | undefined;
      lag: number | undefined;
      /** Registered on a live broker that holds no message of it yet (it answers 'no such partition'). */
      empty: boolean;
    }>;
  }>;
}

/** What `metaq cluster` prints: brokers, topics, consumer groups, owners and lag per partition. */
export async function readClusterView(session: ZkSession, connection: (address: BrokerAddress) => BrokerTransport, root = '/meta'): Promise<ClusterView> {
  const z = new MetaZnodes(root);
  const brokers = await liveBrokers(session, z);
  const urls = new Map(brokers.map((b) => [b.brokerId, b.url]));
  const topicNames = (await session.getChildren(`${z.root}/brokers/topics-pub`)).sort();
  const topics = (
    await Promise.all(
      topicNames.map(async (topic) => {
        const partitions: string[] = [];
        for (const child of (await session.getChildren(z.topicsPub(topic))).sort()) {
          const brokerId = child.split('-')[0];
          // A registration left behind by a broker that is gone names partitions nobody serves.
          if (!urls.has(Number(brokerId))) continue;
          const info = parseTopicBroker((await session.getData(`${z.topicsPub(topic)}/${child}`)) ?? '');
          for (let i = 0; i < (info?.numParts ?? 0); i += 1) partitions.push(`${brokerId}-${i}`);
        }
        return { topic, partitions };
      }),
    )
  ).filter((t) => t.partitions.length > 0);
  const registered = new Set(topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`)));
  const end = async (topic: string, partition: string): Promise<{ end: number | undefined; empty: boolean }> => {
    const [brokerId, index] = partition.split('-').map(Number) as [number, number];
    const url = urls.get(brokerId);
    if (url === undefined) return { end: undefined, empty: false };
    const reply = await connection(parseBrokerUrl(url))
      .request((opaque) => ({ kind: 'offset', topic, group: 'metaq-cluster', partition: index, offset: LONG_MAX_OFFSET, opaque }), 3000, 'offset')
      .catch(() => undefined);
    if (reply === undefined) return { end: undefined, empty: false };
    // A broker creates a partition's store at its first message: until then a registered partition is empty, not missing.
    if (reply.kind === 'result' && reply.code === Status.notFound && registered.has(`${topic}/${partition}`)) return { end: 0, empty: true };
    return { end: answeredOffset(reply), empty: false };
  };
  const groups = [];
  for (const group of (await session.getChildren(`${z.root}/consumers`)).sort()) {
    const members = (await session.getChildren(z.consumerIds(group))).sort();
    const partitions = [];
    for (const topic of (await session.getChildren(`${z.root}/consumers/${group}/offsets`)).sort()) {
      for (const partition of (await session.getChildren(`${z.root}/consumers/${group}/offsets/${topic}`)).sort()) {
        const offset = parseOffsetNode((await session.getData(z.offset(group, topic, partition))) ?? '')?.offset;
        const owner = (await session.getData(z.owner(group, topic, partition))) || undefined;
        const last = await end(topic, partition);
        partitions.push({
          topic,
          partition,
          owner,
          offset,
          end: last.end,
          lag: offset !== undefined && last.end !== undefined ? Math.max(0, last.end - offset) : undefined,
          empty: last.empty,
        });
      }
    }
    groups.push({ group, members, partitions });
  }
  return { brokers, topics, groups };
}

/**
 * Broker ids with a live master or slave: a stopped broker leaves its persistent id node behind
 * (MetaQ never deletes it), with no ephemeral child under it.
 */
async function liveBrokers(session: ZkSession, z: MetaZnodes): Promise<Array<{ brokerId: number; url: string | undefined }>> {
  const brokerIds = (await session.getChildren(z.brokerIds())).map(Number).sort((a, b) => a - b);
  const brokers = await Promise.all(
    brokerIds.map(async (brokerId) => {
      const children = await session.getChildren(z.brokerId(brokerId));
      const master = children.includes('master') ? (await session.getData(z.master(brokerId))) || undefined : undefined;
      const live = master !== undefined || children.some((c) => /^slave\d+$/.test(c));
      return live ? { brokerId, url: master } : undefined;
    }),
  );
  return brokers.filter((b) => b !== undefined);
}
