import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker/broker.js';
import type { PartitionTally } from '../broker/stats/partition-traffic.js';
import { OTHER_PARTITIONS } from './partition-series.js';
import type { PartitionSeries } from './partition-series.js';

/** A partition's store as the broker hands it out (admin/ does not import storage/). */
type StoredLog = NonNullable<ReturnType<Broker['stores']['find']>>;

/** Per-partition traffic and log sizes; partitions past metricsPartitionSeries share one `_other` series. */
export function registerPartitionMetrics(broker: Broker, series: PartitionSeries, registers: Registry[]): void {
  const partitionLabels = ['topic', 'partition'] as const;

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
}
