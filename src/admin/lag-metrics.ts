import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';
import type { GroupView } from './views/group-view.js';
import { consumerLagSeries, OTHER_PARTITIONS } from './partition-series.js';
import type { PartitionSeries } from './partition-series.js';

/** How far behind consumer groups and replicas are, in bytes. */
export function registerLagMetrics(broker: Broker, groups: () => Promise<GroupView[]>, series: PartitionSeries, registers: Registry[]): void {
  new Gauge({
    name: 'metaq_consumer_lag_bytes',
    help: 'Bytes a consumer group has not consumed yet: max offset minus its committed offset (or, without one, its fetch position); past metricsGroupSeries group-partition pairs, summed into group="_other".',
    labelNames: ['group', 'topic', 'partition'],
    registers,
    async collect() {
      this.reset();
      for (const { labels, value } of consumerLagSeries(await groups(), series.chosen(), broker.config.system.metricsGroupSeries).values())
        this.set(labels, value);
    },
  });
  new Gauge({
    name: 'metaq_replication_lag_bytes',
    help: "Bytes a partition's copy is behind: the sync slave behind this master, or this async slave behind its master.",
    labelNames: ['role', 'partition'],
    registers,
    collect() {
      this.reset();
      const status = broker.replication.status();
      for (const [role, partitions] of [
        ['sync-master', status.syncMaster?.partitions ?? []],
        ['async-slave', status.asyncSlave?.partitions ?? []],
      ] as const) {
        partitions.forEach((p, i) => {
          if (i < series.cap) this.set({ role, partition: p.partition }, p.lagBytes);
          else this.inc({ role, partition: OTHER_PARTITIONS.partition }, p.lagBytes);
        });
      }
    },
  });
}
