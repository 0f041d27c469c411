/** What one partition has served since start; read by the metrics scrape. */
export interface PartitionTally {
  puts: number;
  putBytes: number;
  putErrors: number;
  /** Retried idempotent sets answered with their original outcome instead of being stored again. */
  putRetries: number;
  gets: number;
  getBytes: number;
  getMisses: number;
}

/**
 * Per topic and partition counters of puts, gets, bytes and errors (Prometheus counters are read
 * from here at scrape time, so the hot path pays two map lookups and an add, no label hashing).
 */
export class PartitionTraffic {
  private readonly tallies = new Map<string, Map<number, PartitionTally>>();

  of(topic: string, partition: number): PartitionTally {
    let byPartition = this.tallies.get(topic);
    if (byPartition === undefined) this.tallies.set(topic, (byPartition = new Map<number, PartitionTally>()));
    let tally = byPartition.get(partition);
    if (tally === undefined) byPartition.set(partition, (tally = { puts: 0, putBytes: 0, putErrors: 0, putRetries: 0, gets: 0, getBytes: 0, getMisses: 0 }));
    return tally;
  }

  *entries(): Generator<{ topic: string; partition: number; tally: PartitionTally }> {
    for (const [topic, byPartition] of this.tallies) for (const [partition, tally] of byPartition) yield { topic, partition, tally };
  }

  /** Summed over a topic's partitions. */
  topicTotal(topic: string): PartitionTally {
    const total: PartitionTally = { puts: 0, putBytes: 0, putErrors: 0, putRetries: 0, gets: 0, getBytes: 0, getMisses: 0 };
    for (const tally of this.tallies.get(topic)?.values() ?? []) {
      for (const key of Object.keys(total) as Array<keyof PartitionTally>) total[key] += tally[key];
    }
    return total;
  }
}
