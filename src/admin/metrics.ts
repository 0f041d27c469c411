import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metric, OpenMetricsContentType } from 'prom-client';
import { BROKER_VERSION } from '../broker/broker.js';
import type { Broker } from '../broker/broker.js';
import type { PartitionTally } from '../broker/stats/partition-traffic.js';
import type { StorageTimings } from '../broker/stats/storage-latency.js';
import type { GroupView } from './views/group-view.js';
import { consumerLagSeries, OTHER_PARTITIONS, PartitionSeries } from './partition-series.js';
import { registerStoreBudgetMetrics } from './store-budget-metrics.js';

/** Disk latencies from 50 µs to 2.5 s: group commit fsyncs sit around 1-10 ms on SSDs. */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A partition's store as the broker hands it out (admin/ does not import storage/). */
type StoredLog = NonNullable<ReturnType<Broker['stores']['find']>>;

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
  const partitionLabels = ['topic', 'partition'] as const;
  const series = new PartitionSeries(() => broker.stores.all(), broker.config.system.metricsPartitionSeries);

  const traffic = (name: string, help: string, field: keyof PartitionTally): void => {
    new Counter({
      name,
      help,
      labelNames: partitionLabels,
      registers,
      collect() {
        this.reset();
        const own = series.chosen();
        let other: number | undefined; // summed here: one labelled inc per partition cost a hash each
        for (const { topic, partition, tally } of broker.traffic.entries()) {
          if (own(topic, partition)) this.inc({ topic, partition }, tally[field]);
          else other = (other ?? 0) + tally[field];
        }
        if (other !== undefined) this.inc(OTHER_PARTITIONS, other);
      },
    });
  };
  traffic('metaq_messages_put_total', 'Messages acknowledged by put, per partition.', 'puts');
  traffic('metaq_put_bytes_total', 'Payload bytes acknowledged by put, per partition.', 'putBytes');
  traffic('metaq_put_errors_total', 'Puts answered with an error, per partition.', 'putErrors');
  traffic(
    'metaq_put_retries_total',
    'Retried sets of idempotent producers answered with the original offset instead of being stored again, per partition.',
    'putRetries',
  );
  traffic('metaq_gets_total', 'Get requests, per partition.', 'gets');
  traffic('metaq_get_bytes_total', 'Message-set bytes served by get, per partition.', 'getBytes');
  traffic('metaq_get_misses_total', 'Gets answered 404 or 301, per partition.', 'getMisses');

  const write = new Histogram({
    name: 'metaq_storage_write_seconds',
    help: 'Time to write one batch of records to a segment file.',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const fsync = new Histogram({
    name: 'metaq_storage_fsync_seconds',
    help: 'Time of one fdatasync of a segment file (one per group commit).',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const timings: StorageTimings = { written: (seconds) => write.observe(seconds), synced: (seconds) => fsync.observe(seconds) };
  broker.stores.latency.listeners.add(timings);

  /** `summed`: partitions without their own series add up into `_other` (else they are left out). */
  const perLog = (name: string, help: string, value: (log: StoredLog) => number, summed = true): void => {
    new Gauge({
      name,
      help,
      labelNames: partitionLabels,
      registers,
      collect() {
        this.reset();
        const own = series.chosen();
        let other: number | undefined;
        for (const [topic, logs] of broker.stores.all()) {
          for (const [partition, log] of logs) {
            if (own(topic, partition)) this.set({ topic, partition }, value(log));
            else if (summed) other = (other ?? 0) + value(log);
          }
        }
        if (other !== undefined) this.set(OTHER_PARTITIONS, other);
      },
    });
  };
  perLog('metaq_log_size_bytes', "Bytes stored in the partition's segments.", (log) => log.sizeInBytes);
  perLog('metaq_log_min_offset', 'First offset still stored.', (log) => log.minOffset, false);
  perLog(
    'metaq_log_max_offset',
    'End of what consumers may read (flushed, and replicated with a sync slave).',
    (log) => broker.replication.visibleEnd(log),
    false,
  );
  perLog('metaq_idempotent_producers', 'Idempotent producers whose recent sets the partition remembers.', (log) => log.idempotentProducers);
  perLog('metaq_log_messages', 'Approximate message count (as stats total_messages).', (log) => log.messageCount);

  new Gauge({
    name: 'metaq_connections',
    help: 'Open client connections on the TCP port.',
    registers,
    collect() {
      this.set(broker.counters.currentConnections);
    },
  });
  new Gauge({
    name: 'metaq_quota_throttle_seconds',
    help: 'Time replies were held to keep a client or a topic within its produce or fetch byte rate, since start.',
    labelNames: ['kind', 'scope', 'name'],
    registers,
    collect() {
      this.reset();
      for (const held of broker.quotas.held()) this.set({ kind: held.kind, scope: held.scope, name: held.name }, held.seconds);
    },
  });
  new Counter({
    name: 'metaq_connections_refused_total',
    help: 'Connections closed as they opened because maxConnections (limit="total") or maxConnectionsPerIp (limit="per_ip") was reached.',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      this.inc({ limit: 'total' }, broker.counters.refusedConnections.total);
      this.inc({ limit: 'per_ip' }, broker.counters.refusedConnections.perIp);
    },
  });
  new Counter({
    name: 'metaq_oversized_messages_total',
    help: "Puts refused because a message was larger than its topic's maxMessageSize.",
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.oversizedMessages);
    },
  });
  new Counter({
    name: 'metaq_invalid_names_total',
    help: 'Commands (TCP or HTTP) refused because their topic or group name broke the name rules.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.invalidNames);
    },
  });
  new Counter({
    name: 'metaq_consumer_positions_unrecorded_total',
    help: 'Fetches whose group position was not recorded because 100,000 group-partition positions were held (lag of new groups shows once old ones are forgotten).',
    registers,
    collect() {
      this.reset();
      this.inc(broker.positions.unrecorded);
    },
  });
  new Gauge({
    name: 'metaq_foreign_directories',
    help: 'Directories found in a data path at start that this broker would not have created; logged and left alone.',
    registers,
    collect() {
      this.set(broker.stores.foreignDirectories);
    },
  });
  new Counter({
    name: 'metaq_header_timeouts_total',
    help: 'Connections closed because a command line did not arrive within headerTimeoutMs of its first byte.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.headerTimeouts);
    },
  });
  new Counter({
    name: 'metaq_connection_timeouts_total',
    help: 'Connections closed by a time limit other than headerTimeoutMs: a request body not arrived within bodyTimeoutMs (limit="body"), nothing in flight and nothing received for idleTimeoutMs (limit="idle"), unsent replies not moving for bodyTimeoutMs (limit="write_stall"), a TLS handshake not finished within handshakeTimeoutMs (limit="tls_handshake").',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      this.inc({ limit: 'body' }, broker.counters.bodyTimeouts);
      this.inc({ limit: 'idle' }, broker.counters.idleTimeouts);
      this.inc({ limit: 'write_stall' }, broker.counters.writeStallTimeouts);
      this.inc({ limit: 'tls_handshake' }, broker.counters.tlsHandshakeTimeouts);
    },
  });
  new Gauge({
    name: 'metaq_tls_handshakes_in_progress',
    help: 'TLS handshakes under way on the broker and HTTPS ports; each counts against maxConnections and maxConnectionsPerIp.',
    registers,
    collect() {
      this.set(broker.counters.tlsHandshakesInProgress);
    },
  });
  new Gauge({
    name: 'metaq_body_bytes_in_flight',
    help: 'Bytes reserved by request bodies still arriving, across all connections (at most maxBodyBytesInFlight).',
    registers,
    collect() {
      this.set(broker.bodyBudget.bytesInFlight);
    },
  });
  new Counter({
    name: 'metaq_body_budget_waits_total',
    help: 'Times a connection stopped being read because its next request body did not fit maxBodyBytesInFlight.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.bodyBudget.waits);
    },
  });
  new Counter({
    name: 'metaq_clock_anomalies_total',
    help: 'Forward jumps of the wall clock beyond clockJumpToleranceMs, each pausing deletion by age.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.stores.retentionClock.anomalies);
    },
  });
  new Gauge({
    name: 'metaq_retention_paused_jump_seconds',
    help: 'How far the wall clock jumped ahead while deletion by age is paused for it; 0 when retention runs (accept the time with POST /api/clock/accept).',
    registers,
    collect() {
      this.set(broker.stores.retentionClock.pausedByMs / 1000);
    },
  });
  new Counter({
    name: 'metaq_login_failures_total',
    help: 'Logins refused on a broker with [auth] enabled (broker port and HTTP Basic): wrong user name or password, or a malformed exchange.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.loginFailures);
    },
  });
  new Counter({
    name: 'metaq_login_backoff_refusals_total',
    help: 'Login attempts refused without a password check because their address had failed too often ([auth] loginFailuresBeforeBackoff), on the broker port and HTTP.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.loginBackoff.refusals);
    },
  });
  new Counter({
    name: 'metaq_access_denials_total',
    help: 'Commands refused because the logged-in user lacks the right (publish or subscribe on the topic, or admin).',
    labelNames: ['right'],
    registers,
    collect() {
      this.reset();
      for (const [right, count] of Object.entries(broker.counters.accessDenials)) this.inc({ right }, count);
    },
  });
  new Counter({
    name: 'metaq_tls_handshake_failures_total',
    help: 'TLS handshakes that failed on the broker port (plaintext clients, untrusted or missing client certificates).',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.tlsHandshakeFailures);
    },
  });
  new Counter({
    name: 'metaq_busy_refusals_total',
    help: 'Requests answered 503 because their connection already had maxInFlightRequests requests unanswered.',
    registers,
    collect() {
      this.reset();
      this.inc(broker.counters.busyRefusals);
    },
  });
  new Gauge({
    name: 'metaq_delayed_sets',
    help: 'Delayed sets in the schedule, not yet delivered to their partitions.',
    registers,
    collect() {
      this.set(broker.delayed.pending);
    },
  });
  new Gauge({
    name: 'metaq_tail_cache_bytes',
    help: 'Newest written bytes held in memory for gets at the end of a log (bounded by tailCacheBytes).',
    registers,
    collect() {
      this.set(broker.stores.tailCache.bytes);
    },
  });
  new Gauge({
    name: 'metaq_transactions',
    help: 'Open and heuristically completed transactions, by state.',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const tx of broker.transactions.list()) counts.set(tx.state, (counts.get(tx.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'metaq_transaction_bytes',
    help: 'Memory open transactions hold until decided (payloads plus 128 bytes a message), bounded by maxTransactionBytesTotal.',
    registers,
    collect() {
      this.set(broker.transactions.bytes.open);
    },
  });
  new Counter({
    name: 'metaq_transaction_byte_refusals_total',
    help: 'Transactional puts refused by maxTransactionBytes (limit="transaction") or maxTransactionBytesTotal (limit="total").',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      this.inc({ limit: 'transaction' }, broker.transactions.bytes.refusals.transaction);
      this.inc({ limit: 'total' }, broker.transactions.bytes.refusals.total);
    },
  });
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
  for (const [field, name, help] of [
    ['totalBytes', 'metaq_disk_size_bytes', 'Size of the file system holding a data path.'],
    ['freeBytes', 'metaq_disk_free_bytes', 'Bytes the broker may still write on the file system holding a data path.'],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['path'],
      registers,
      async collect() {
        this.reset();
        for (const disk of await broker.diskSpace()) this.set({ path: disk.path }, disk[field]);
      },
    });
  }
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
      broker.stores.latency.listeners.delete(timings);
      prometheus.clear();
      openMetrics.clear();
    },
  };
}
