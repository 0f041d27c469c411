import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { PartitionStores } from '../broker/partition-stores.js';

/** Topics and partitions against maxTopics/maxPartitions, and the descriptors their files hold. */
export function registerStoreBudgetMetrics(stores: PartitionStores, registers: Registry[]): void {
  new Gauge({
    name: 'metaq_topics',
    help: 'Topics this broker holds (bounded by maxTopics).',
    registers,
    collect() {
      this.set(stores.budget.topics);
    },
  });
  new Gauge({
    name: 'metaq_partitions',
    help: 'Partitions this broker holds, all topics together (bounded by maxPartitions).',
    registers,
    collect() {
      this.set(stores.budget.partitions);
    },
  });
  new Counter({
    name: 'metaq_store_refusals_total',
    help: 'Puts and transactions (at their prepare or one-phase commit) refused because they would have created a topic past maxTopics (limit="topics") or a partition past maxPartitions (limit="partitions"), reserved ones counted.',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      this.inc({ limit: 'topics' }, stores.budget.refusals.topics);
      this.inc({ limit: 'partitions' }, stores.budget.refusals.partitions);
    },
  });
  new Counter({
    name: 'metaq_replica_partitions_over_limit_total',
    help: "Replica partitions created past maxTopics or maxPartitions because the master holds them (a slave never refuses its master's data).",
    registers,
    collect() {
      this.reset();
      this.inc(stores.budget.replicaOverruns);
    },
  });
  new Gauge({
    name: 'metaq_gets_waiting_for_creation',
    help: 'Waiting gets (wget) held for partitions a put would create but none has yet (bounded by maxInFlightRequests per connection).',
    registers,
    collect() {
      this.set(stores.waitingForCreation);
    },
  });
  new Gauge({
    name: 'metaq_open_segment_files',
    help: 'Descriptors the partition logs hold open now (bounded by maxOpenSegmentFiles).',
    registers,
    collect() {
      this.set(stores.files.openFiles);
    },
  });
  new Counter({
    name: 'metaq_segment_file_evictions_total',
    help: 'Partition files closed to stay within maxOpenSegmentFiles (each reopened on its next use).',
    registers,
    collect() {
      this.reset();
      this.inc(stores.files.evictions);
    },
  });
  new Counter({
    name: 'metaq_segment_file_idle_closes_total',
    help: 'Partition files closed after segmentFileIdleMs unused (each reopened on its next use).',
    registers,
    collect() {
      this.reset();
      this.inc(stores.files.idleCloses);
    },
  });
}
