import type { BrokerConnection } from '../../client/transport/broker-connection.js';
import { refusal } from '../../protocol/commands/reply.js';
import type { CorruptRange } from '../../storage/segment.js';
import type { PartitionStore } from '../../storage/partition-store.js';

export interface RepairTarget {
  link: BrokerConnection;
  topic: string;
  partition: number;
  log: PartitionStore;
  timeoutMs: number;
}

/**
 * Fetch the slave's copy of a corrupt range of the master's log and put it in place (K4 in docs/testing.md).
 * A sync slave holds the same bytes at the same offsets, so its copy is exactly what was there;
 * the log checks every record of it before writing.
 */
export async function repairFromSlave(target: RepairTarget, range: CorruptRange): Promise<void> {
  const { link, topic, partition } = target;
  const pieces: Buffer[] = [];
  let at = range.start;
  while (at < range.end) {
    const offset = at;
    const reply = await link.request(
      (opaque) => ({ kind: 'get', topic, group: 'metaq-repair', partition, offset, maxSize: range.end - offset, opaque }),
      target.timeoutMs,
      `repair ${topic}-${partition}@${offset}`,
    );
    // Only the bytes themselves will do: a 404 or 301 from a sync slave means its copy lacks them too.
    if (reply.kind !== 'value' || reply.body.length === 0)
      throw new Error(`the slave answered the read of ${topic}-${partition}@${offset} with ${reply.kind === 'result' ? refusal(reply).message : 'nothing'}`);
    const piece = reply.body.subarray(0, range.end - offset);
    pieces.push(piece);
    at += piece.length;
  }
  await target.log.repair(range, Buffer.concat(pieces));
}
