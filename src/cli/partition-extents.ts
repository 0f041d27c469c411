import { BrokerConnection } from '../client/transport/broker-connection.js';
import { parseBrokerUrl } from '../client/transport/broker-address.js';
import { isSuccess } from '../protocol/commands/reply.js';
import { connectionFromEnv } from './connection-env.js';
import type { Target } from './broker-target.js';
import { urlOf } from './broker-target.js';

/** Where a partition's messages begin and end, as `stats offsets` reports them. */
export interface PartitionExtent {
  first: number;
  end: number;
}

/** The broker's partitions of `topic` by index, from `stats offsets` lines `<topic> part <n> min_offset <a> max_offset <b>`. */
export async function partitionExtents(target: Target, topic: string): Promise<Map<number, PartitionExtent>> {
  const connection = new BrokerConnection(parseBrokerUrl(urlOf(target)), connectionFromEnv());
  try {
    const reply = await connection.request((opaque) => ({ kind: 'stats', item: 'offsets', opaque }), 10_000, 'stats offsets');
    const extents = new Map<number, PartitionExtent>();
    if (!isSuccess(reply)) return extents;
    for (const line of reply.body.toString().split('\r\n')) {
      const fields = line.split(' ');
      if (fields.length !== 7 || fields[0] !== topic || fields[1] !== 'part') continue;
      extents.set(Number(fields[2]), { first: Number(fields[4]), end: Number(fields[6]) });
    }
    return extents;
  } finally {
    await connection.close();
  }
}

/** Why a read found nothing: the partition is not on the broker, or the offset is past its end. */
export interface MissingReadTarget {
  partitionMissing: boolean;
  text: string;
}

/**
 * What is wrong with reading `offset` of a partition that had nothing there, or undefined when
 * the offset is the partition's end (an ordinary read to the end).
 */
export async function missingReadTarget(target: Target, topic: string, partition: number, offset: number): Promise<MissingReadTarget | undefined> {
  const extents = await partitionExtents(target, topic);
  const extent = extents.get(partition);
  if (extent === undefined) {
    const known = [...extents.keys()].sort((a, b) => a - b);
    const text =
      known.length === 0
        ? `topic ${topic} has no partition ${partition} on this broker (it has no partitions of ${topic}; check the name, or run 'metaq stats topics')`
        : `topic ${topic} has no partition ${partition} on this broker (it has ${known.join(', ')}); pick one with --partition`;
    return { partitionMissing: true, text };
  }
  if (offset <= extent.end) return undefined;
  return {
    partitionMissing: false,
    text: `offset ${offset} is past the end of ${topic}-${partition} (end: ${extent.end}); the first offset is ${extent.first}, or use --from <time>`,
  };
}
