import { availableParallelism, loadavg } from 'node:os';
import { crc32 } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { BROKER_VERSION } from '../../broker/broker.js';
import { statsReport } from '../../broker/stats/stats-report.js';
import type { RateSampler } from '../rate-sampler.js';
import { readTopicTotals } from '../views/topic-list.js';

/** This broker, the cluster's brokers (from ZooKeeper), the `stats` text and slave status. */
export function brokerRoutes(app: FastifyInstance, broker: Broker, consoleUrl: () => string, rates: RateSampler): void {
  app.get('/api/broker', async () => {
    const system = broker.config.system;
    return {
      brokerId: system.brokerId,
      url: broker.url,
      console: consoleUrl(),
      version: BROKER_VERSION,
      role: broker.replication.role,
      startedAt: new Date(broker.startedAtMs).toISOString(),
      uptimeSeconds: Math.floor((Date.now() - broker.startedAtMs) / 1000),
      dataPath: system.dataPath,
      zookeeper: broker.cluster === undefined ? null : broker.config.zookeeper['zk.zkConnect'],
      zookeeperConnected: broker.cluster === undefined ? null : broker.cluster.session.healthy,
      configFile: broker.config.file ?? null,
      configChecksum: crc32(Buffer.from(broker.config.text, 'utf8')),
      connections: broker.counters.currentConnections,
      connectionsByAddress: broker.connectionsByAddress(),
      counters: { ...broker.counters },
      closedPartitions: broker.closedPartitions.all(),
      // The overview's totals: counters summed, no per-topic view built (GET /api/topics is paged).
      topics: { ...readTopicTotals(broker), rates: rates.totalRates() },
      process: { pid: process.pid, node: process.version, rssBytes: process.memoryUsage().rss },
      host: { loadAverage: loadavg(), cpus: availableParallelism(), disks: await broker.diskSpace() },
    };
  });

  app.get('/api/brokers', async () => {
    const cluster = broker.cluster;
    if (cluster === undefined) return { brokers: [{ brokerId: broker.config.system.brokerId, master: broker.url, slaves: [] }] };
    const { session, znodes } = cluster;
    const ids = (await session.getChildren(znodes.brokerIds()))
      .map(Number)
      .filter(Number.isInteger)
      .sort((a, b) => a - b);
    const brokers = await Promise.all(
      ids.map(async (brokerId) => {
        const children = await session.getChildren(znodes.brokerId(brokerId));
        const slaves = await Promise.all(
          children
            .filter((c) => /^slave\d+$/.test(c))
            .sort()
            .map(async (c) => ({ slaveId: Number(c.slice(5)), url: (await session.getData(`${znodes.brokerId(brokerId)}/${c}`)) ?? null })),
        );
        const syncSlave = (await session.getData(znodes.syncSlave(brokerId))) ?? null;
        return { brokerId, master: (await session.getData(znodes.master(brokerId))) || null, syncSlave, slaves };
      }),
    );
    return { brokers };
  });

  app.get<{ Params: { item?: string } }>(
    '/api/stats/:item?',
    { schema: { params: { type: 'object', properties: { item: { type: 'string', maxLength: 255 } } } } },
    (request, reply) => {
      const item = request.params.item;
      if (item === 'reset') return reply.code(405).send({ error: 'Method Not Allowed', message: 'stats reset changes state: POST /api/stats/reset' });
      const text = item === 'config' ? broker.config.text : statsReport(item, broker.statsSources);
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  );

  app.post('/api/stats/reset', () => {
    broker.realtime.reset();
    return { reset: true };
  });

  app.get('/api/replication', () => broker.replication.status());
}
