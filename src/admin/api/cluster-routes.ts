import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { readClusterBrokers } from '../views/cluster-brokers.js';
import { readClusterLag } from '../views/cluster-lag.js';
import { readMovesInProgress } from '../views/move-view.js';
import { HttpError } from './http-errors.js';

/** Committed offsets read per answer, and how long another broker may take to tell its ends. */
const MAX_PARTITIONS = 2000;
const PROBE_TIMEOUT_MS = 2000;

/** The whole cluster as ZooKeeper and the brokers tell it: brokers, topics, groups' lag, moves (docs/admin-api.md). */
export function clusterRoutes(app: FastifyInstance, broker: Broker): void {
  app.get<{ Querystring: { all?: string } }>('/api/cluster', async (request) => {
    const brokerId = broker.config.system.brokerId;
    const cluster = broker.cluster;
    // A standalone broker answers 200: "not in a cluster" is what the console shows, not an error.
    if (cluster === undefined) return { cluster: false, brokerId, url: broker.url };
    const { session, znodes } = cluster;
    if (!session.healthy) throw new HttpError(503, 'this broker has lost its ZooKeeper session; ask another broker, or retry once it is back');
    const all = request.query.all === 'true' || request.query.all === '1';
    const brokers = await readClusterBrokers(session, znodes);
    const masters = new Map(brokers.map((b) => [b.brokerId, b.master]));
    const [lag, moves] = await Promise.all([
      readClusterLag(broker, session, znodes, masters, { all, maxPartitions: MAX_PARTITIONS, probeTimeoutMs: PROBE_TIMEOUT_MS }),
      readMovesInProgress(session, znodes),
    ]);
    return {
      cluster: true,
      brokerId,
      url: broker.url,
      role: broker.replication.role,
      zookeeper: broker.config.zookeeper['zk.zkConnect'],
      root: znodes.root,
      brokers,
      groups: lag.groups,
      omitted: lag.omitted,
      unreachable: lag.unreachable,
      moves,
    };
  });
}
