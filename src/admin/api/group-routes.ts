import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { formatOffsetNode } from '../../coordination/zk/znodes.js';
import type { GroupView } from '../views/group-view.js';
import type { RateSampler } from '../rate-sampler.js';
import { groupParam, topicPartitionParams } from './schemas.js';
import { conflict, notFound } from './http-errors.js';

/** Consumer groups with owners, offsets and lag; the lag history; MetaQ's skip action (docs/admin-api.md). */
export function groupRoutes(app: FastifyInstance, broker: Broker, groups: () => Promise<GroupView[]>, rates: RateSampler): void {
  // metaq's own groups (metaq get, the console's reads, the monitor's probe) only when asked: ?all=true.
  app.get<{ Querystring: { all?: string } }>('/api/groups', async (request) => {
    const all = request.query.all === 'true' || request.query.all === '1';
    return { groups: (await groups()).filter((g) => all || !g.internal) };
  });

  app.get<{ Params: { group: string } }>('/api/groups/:group', { schema: { params: groupParam } }, async (request) => {
    const group = (await groups()).find((g) => g.group === request.params.group);
    if (group === undefined)
      throw notFound(`consumer group ${request.params.group} has not fetched from this broker since it started and has no offsets for it in ZooKeeper`);
    return { ...group, lagHistory: rates.lagHistory(group.group) };
  });

  /**
   * Skip a partition's backlog: its committed offset in ZooKeeper jumps to the end. Only while
   * no consumer owns the partition, as MetaQ's dashboard did: an owner would overwrite it.
   */
  app.post<{ Params: { group: string; topic: string; partition: number } }>(
    '/api/groups/:group/topics/:topic/partitions/:partition/skip',
    {
      schema: {
        params: {
          ...topicPartitionParams,
          required: ['group', 'topic', 'partition'],
          properties: { ...topicPartitionParams.properties, ...groupParam.properties },
        },
      },
    },
    async (request) => {
      const { group, topic, partition } = request.params;
      const cluster = broker.cluster;
      if (cluster === undefined)
        throw conflict(
          `this broker runs without ZooKeeper, so group ${group} keeps its offsets itself (a file or a database); skip there, or reset the group's offset storage`,
        );
      const log = broker.stores.find(topic, partition);
      if (log === undefined) throw notFound(`partition ${topic}-${partition} has no store on this broker`);
      const node = `${broker.config.system.brokerId}-${partition}`;
      const owner = await cluster.session.getData(cluster.znodes.owner(group, topic, node));
      if (owner)
        throw conflict(
          `partition ${topic}-${node} is owned by consumer ${owner} of group ${group}; stop that consumer first, or it will overwrite the skipped offset`,
        );
      const end = broker.replication.visibleEnd(log);
      await cluster.session.writePersistent(cluster.znodes.offset(group, topic, node), formatOffsetNode(0n, end));
      broker.logger.warn({ component: 'admin', group, topic, partition, offset: end }, "skipped a consumer group's backlog");
      return { group, topic, partition, offset: end };
    },
  );
}
