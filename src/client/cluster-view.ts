import { LONG_MAX_OFFSET } from '../protocol/commands.js';
import { answeredOffset } from '../protocol/commands/offset.js';
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
    }>;
  }>;
}

/** What `metaq cluster` prints: brokers, topics, consumer groups, owners and lag per partition. */
export async function readClusterView(session: ZkSession, connection: (address: BrokerAddress) => BrokerTransport, root = '/meta'): Promise<ClusterView> {
  const z = new MetaZnodes(root);
  const brokerIds = (await session.getChildren(z.brokerIds())).map(Number).sort((a, b) => a - b);
  const brokers = await Promise.all(brokerIds.map(async (brokerId) => ({ brokerId, url: (await session.getData(z.master(brokerId))) || undefined })));
  const urls = new Map(brokers.map((b) => [b.brokerId, b.url]));
  const topicNames = (await session.getChildren(`${z.root}/brokers/topics-pub`)).sort();
  const topics = await Promise.all(
    topicNames.map(async (topic) => {
      const partitions: string[] = [];
      for (const child of (await session.getChildren(z.topicsPub(topic))).sort()) {
        const info = parseTopicBroker((await session.getData(`${z.topicsPub(topic)}/${child}`)) ?? '');
        const brokerId = child.split('-')[0];
        for (let i = 0; i < (info?.numParts ?? 0); i += 1) partitions.push(`${brokerId}-${i}`);
      }
      return { topic, partitions };
    }),
  );
  const end = async (topic: string, partition: string): Promise<number | undefined> => {
    const [brokerId, index] = partition.split('-').map(Number) as [number, number];
    const url = urls.get(brokerId);
    if (url === undefined) return undefined;
    return connection(parseBrokerUrl(url))
      .request((opaque) => ({ kind: 'offset', topic, group: 'metaq-cluster', partition: index, offset: LONG_MAX_OFFSET, opaque }), 3000, 'offset')
      .then(answeredOffset, () => undefined);
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
          end: last,
          lag: offset !== undefined && last !== undefined ? Math.max(0, last - offset) : undefined,
        });
      }
    }
    groups.push({ group, members, partitions });
  }
  return { brokers, topics, groups };
}
