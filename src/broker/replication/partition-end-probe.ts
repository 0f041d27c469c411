import { BrokerConnection } from '../../client/transport/broker-connection.js';
import { parseBrokerUrl } from '../../client/transport/broker-address.js';
import { LONG_MAX_OFFSET } from '../../protocol/commands.js';
import { answeredOffset } from '../../protocol/commands/offset.js';
import type { LinkOptions } from './link-options.js';

/** The group named in the probes: the offset command ignores it, and it is one of metaq's own (hidden from lag lists). */
const PROBE_GROUP = 'Just_for_Browser';

export interface EndProbeResult {
  /** `topic-partition` → the partition's end; absent when the broker did not answer for it. */
  ends: Map<string, number>;
  /** Why some or all partitions have no end (unreachable, login refused, out of time). */
  problem: string | undefined;
}

/**
 * The ends of some of another broker's partitions, asked over the wire as a replica asks its
 * master (an offset request at LONG_MAX answers the end), on one connection that is closed after.
 * Everything is bounded by `timeoutMs`: the console must not hang on a broker that is gone.
 */
export async function probePartitionEnds(
  url: string,
  link: LinkOptions,
  partitions: ReadonlyArray<{ topic: string; partition: number }>,
  timeoutMs: number,
): Promise<EndProbeResult> {
  const ends = new Map<string, number>();
  if (partitions.length === 0) return { ends, problem: undefined };
  // Each request carries the deadline (the connection's sweep fails it); no quick reconnect loop against a broker that is gone.
  const connection = new BrokerConnection(parseBrokerUrl(url), { ...link, reconnectInitialMs: timeoutMs, reconnectMaxMs: timeoutMs });
  let problem: string | undefined;
  try {
    const replies = await Promise.allSettled(
      partitions.map(({ topic, partition }) =>
        connection
          .request(
            (opaque) => ({ kind: 'offset', topic, group: PROBE_GROUP, partition, offset: LONG_MAX_OFFSET, opaque }),
            timeoutMs,
            `end of ${topic}-${partition}`,
          )
          .then((reply) => {
            const end = answeredOffset(reply);
            if (end !== undefined) ends.set(`${topic}-${partition}`, end);
          }),
      ),
    );
    const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) problem = connection.loginRefusal ?? (failed.reason as Error).message;
  } finally {
    await connection.close();
  }
  return { ends, problem };
}
