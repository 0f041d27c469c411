import type { Broker } from '../../broker/broker.js';

export interface PartitionView {
  partition: number;
  minOffset: number;
  /** End of what consumers may read (flushed and, with a sync slave, replicated). */
  maxOffset: number;
  sizeBytes: number;
  messages: number;
  closed: boolean;
  puts: number;
  gets: number;
}

export interface TopicView {
  topic: string;
  configured: boolean;
  partitions: PartitionView[];
  messages: number;
  sizeBytes: number;
  settings: Record<string, unknown> | undefined;
}

/** One topic, or undefined if this broker neither stores nor accepts it. */
export function readTopic(broker: Broker, topic: string): TopicView | undefined {
  const logs = broker.stores.all().get(topic);
  const settings = broker.stores.settings(topic);
  if (logs === undefined && settings === undefined) return undefined;
  const partitions = [...(logs?.entries() ?? [])]
    .sort(([a], [b]) => a - b)
    .map(([partition, log]) => {
      const tally = broker.traffic.of(topic, partition);
      return {
        partition,
        minOffset: log.minOffset,
        maxOffset: broker.replication.visibleEnd(log),
        sizeBytes: log.sizeInBytes,
        messages: log.messageCount,
        closed: broker.closedPartitions.isClosed(topic, partition),
        puts: tally.puts,
        gets: tally.gets,
      };
    });
  return {
    topic,
    configured: broker.config.topics.some((t) => t.name === topic),
    partitions,
    messages: partitions.reduce((sum, p) => sum + p.messages, 0),
    sizeBytes: partitions.reduce((sum, p) => sum + p.sizeBytes, 0),
    settings: settings === undefined ? undefined : { ...settings },
  };
}
