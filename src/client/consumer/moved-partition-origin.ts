import type { Logger } from '../logger.js';
import type { Partition } from '../message.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';
import { movedFromPath } from '../../coordination/zk/reassignments.js';
import { MetaqError } from '../../common/errors.js';
import { MOVE_FAULTS, moveFault } from '../../common/move-faults.js';

/** How long a new owner waits for the moved partition's old owner in its group to let go. */
const RELEASE_WAIT_MS = 60_000;
const POLL_MS = 100;

/**
 * Where a partition that arrived by an online move came from (docs/cluster.md, moving
 * partitions), once this group's owner of the old partition has let it go: it commits where it
 * got to before it does, so the new owner starting from the later of both offsets delivers
 * nothing twice. The copy holds the same bytes at the same offsets, so the old offset is valid
 * as it is. Undefined for a partition that did not move here.
 */
export function movedPartitionOrigin(session: ZkSession, znodes: MetaZnodes, group: string, logger: Logger, me: () => string | undefined) {
  const offsetsNotCarried = moveFault('offsetsNotCarried');
  if (offsetsNotCarried)
    logger.error(
      { [MOVE_FAULTS.offsetsNotCarried]: '1' },
      `TEST FAULT ON: ${MOVE_FAULTS.offsetsNotCarried}=1, a moved partition is read from the group's offset for it alone`,
    );
  return async (topic: string, partition: Partition): Promise<Partition | undefined> => {
    if (offsetsNotCarried) return undefined;
    const from = await session.getData(movedFromPath(znodes, topic, partition.brokerId, partition.index));
    const match = from === undefined ? null : /^(\d+)-(\d+)$/.exec(from);
    if (match === null) return undefined;
    const origin = { brokerId: Number(match[1]), index: Number(match[2]) };
    const ownerPath = znodes.owner(group, topic, from!);
    const deadline = performance.now() + RELEASE_WAIT_MS;
    for (let owner = await session.getData(ownerPath); owner !== undefined; owner = await session.getData(ownerPath)) {
      // A rebalance that read the old registration before it was withdrawn: let it fail and run
      // again, releasing the old partition first, rather than wait for this very consumer.
      if (owner === me())
        throw new MetaqError(
          'REBALANCE_STALE',
          `partition ${from} of ${topic} moved to ${partition.brokerId}-${partition.index} and this consumer still reads it; rebalancing again`,
        );
      if (performance.now() > deadline) {
        logger.warn({ topic, partition: from, group }, 'the old owner of a moved partition did not let go in time; starting from its last commit');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return origin;
  };
}

export type PartitionOrigin = ReturnType<typeof movedPartitionOrigin>;
