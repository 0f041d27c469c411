import { moveFaultsOn } from '../../common/move-faults.js';
import type { Broker } from '../broker.js';
import type { ClusterMembership } from '../cluster-membership.js';
import { replicatedBecause } from '../replica-check.js';
import { replicationLinkOptions } from '../replication/link-options.js';
import type { MoveFences } from './move-fences.js';
import { PartitionMoves } from './partition-moves.js';

/** This broker's part in online partition moves, once it is registered as master (docs/cluster.md). */
export async function startPartitionMoves(broker: Broker, membership: ClusterMembership, fences: MoveFences): Promise<PartitionMoves> {
  const { config } = broker;
  const moves = new PartitionMoves({
    session: membership.session,
    znodes: membership.znodes,
    brokerId: config.system.brokerId,
    stores: broker.stores,
    fences,
    topicAdmin: broker.topicAdmin,
    logger: broker.logger,
    link: replicationLinkOptions(broker.tls, config.auth),
    reregister: (topic) => membership.reregister(topic),
    transactionsHolding: (topic) => broker.transactions.holding(topic),
    copied: (_topic, records) => {
      broker.counters.cmdPut += records;
    },
    // A sync pair or async slaves would keep a copy of the moved partition the move does not know of.
    clientsFollowMs: config.zookeeper['zk.zkSyncTimeMs'],
    refusedBecause: () => replicatedBecause(config, { session: membership.session, znodes: membership.znodes }),
  });
  const faults = moveFaultsOn();
  if (faults.length > 0)
    broker.logger.fatal(
      { component: 'moves', faults },
      `TEST FAULT ON: ${faults.join(', ')}; online moves lose or repeat messages: unset it unless this is a fault test's negative control`,
    );
  await moves.start();
  return moves;
}
