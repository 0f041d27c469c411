import type { Logger } from 'pino';
import type { BrokerConfig } from './config/broker-config.js';
import type { HostProbe } from './advertised-host.js';
import { checkRegisteredHost, chooseHost, systemProbe } from './advertised-host.js';

/**
 * Fill in a blank `[system] hostName` before the broker listens: standalone, 127.0.0.1 (nothing on
 * the network unasked); in cluster mode, the address other hosts reach (advertised-host.ts), which
 * the broker then both listens on and registers, as with an explicit hostName. A loopback address
 * is refused when ZooKeeper is not on loopback (docs/cluster.md, Brokers).
 */
export async function settleHostName(config: BrokerConfig, clustered: boolean, logger: Logger, probe: HostProbe = systemProbe): Promise<void> {
  const zkConnect = config.zookeeper['zk.zkConnect'];
  if (config.system.hostName !== '') {
    if (clustered) await checkRegisteredHost(config.system.hostName, zkConnect, probe);
    return;
  }
  if (!clustered) {
    config.system.hostName = '127.0.0.1';
    return;
  }
  const choice = await chooseHost(zkConnect, probe);
  config.system.hostName = choice.host;
  logger.info(
    { component: 'broker', hostName: choice.host, reason: choice.reason },
    `[system] hostName not set: registering ${choice.host} (${choice.reason}); set hostName or --host to choose another`,
  );
}
