import type { ZkSession } from '../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../coordination/zk/znodes.js';
import type { BrokerConfig } from './config/broker-config.js';

/**
 * Why this broker's topics are copied to or from another broker, or undefined: a topic delete is
 * refused then, since a replica would go on copying from or into a log that is gone.
 */
export async function replicatedBecause(config: BrokerConfig, cluster: { session: ZkSession; znodes: MetaZnodes } | undefined): Promise<string | undefined> {
  const { role, slave } = config.replication;
  if (role !== 'master') return `this broker is a ${role}`;
  if (slave !== '') return `this broker is a sync master (slave ${slave})`;
  if (cluster === undefined) return undefined;
  const members = await cluster.session.getChildren(cluster.znodes.brokerId(config.system.brokerId)).catch(() => []);
  const slaves = members.filter((name) => name.startsWith('slave'));
  return slaves.length > 0 ? `async slaves copy this broker (${slaves.join(', ')} in ZooKeeper)` : undefined;
}
