import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Metric, OpenMetricsContentType } from 'prom-client';
import { BROKER_VERSION } from '../broker/broker.js';
import type { Broker } from '../broker/broker.js';
import type { GroupView } from './views/group-view.js';
import { registerAccessMetrics } from './access-metrics.js';
import { registerConnectionMetrics } from './connection-metrics.js';
import { registerHeldMessageMetrics } from './held-message-metrics.js';
import { registerLagMetrics } from './lag-metrics.js';
import { registerPartitionMetrics } from './partition-metrics.js';
import { PartitionSeries } from './partition-series.js';
import { registerRequestLimitMetrics } from './request-limit-metrics.js';
import { registerStorageMetrics } from './storage-metrics.js';
import { registerStoreBudgetMetrics } from './store-budget-metrics.js';
import { registerMoveMetrics } from './move-metrics.js';

export interface BrokerMetrics {
  /** Prometheus text format 0.0.4. */
  prometheus: Registry;
  /** The same metrics in OpenMetrics 1.0 text. */
  openMetrics: Registry<OpenMetricsContentType>;
  close(): void;
}

/**
 * The broker's Prometheus metrics. Counters and sizes are read from the broker at scrape time,
 * so the put and get paths pay nothing for them; only the disk latency histograms are observed
 * as they happen.
 */
export function createBrokerMetrics(broker: Broker, groups: () => Promise<GroupView[]>): BrokerMetrics {
  const prometheus = new Registry();
  const registers = [prometheus];
  const series = new PartitionSeries(() => broker.stores.all(), broker.config.system.metricsPartitionSeries);
  registerPartitionMetrics(broker, series, registers);
  const stopStorageMetrics = registerStorageMetrics(broker, registers);
  registerConnectionMetrics(broker, registers);
  registerRequestLimitMetrics(broker, registers);
  registerAccessMetrics(broker, registers);
  registerHeldMessageMetrics(broker, registers);
  registerLagMetrics(broker, groups, series, registers);
  new Gauge({
    name: 'metaq_broker_info',
    help: 'Always 1; the labels describe this broker.',
    labelNames: ['broker_id', 'version', 'role'],
    registers,
    collect() {
      this.reset();
      this.set({ broker_id: broker.config.system.brokerId, version: BROKER_VERSION, role: broker.replication.role }, 1);
    },
  });
  registerStoreBudgetMetrics(broker.stores, registers);
  registerMoveMetrics(() => broker.moves?.status(), registers);
  collectDefaultMetrics({ register: prometheus });

  // OpenMetrics: the same metric objects in a second registry that renders the other format.
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  // getMetricsAsArray() returns the metric instances, typed as plain objects.
  for (const metric of prometheus.getMetricsAsArray()) openMetrics.registerMetric(metric as unknown as Metric);
  return {
    prometheus,
    openMetrics,
    close: () => {
      stopStorageMetrics();
      prometheus.clear();
      openMetrics.clear();
    },
  };
}
