import type { SpawnVia } from './broker-process.js';
import { FaultProxy } from './fault-proxy.js';
import { LOCAL, NetnsLab } from './netns.js';
import type { ZookeeperServer } from './zookeeper-server.js';
import { startZookeeper } from './zookeeper-server.js';

/** Where a process of the scenario runs: how to start it there and the address it listens on. */
export interface Host {
  spawnVia: SpawnVia;
  address: string;
}

/**
 * A ZooKeeper and two hosts, one of which (`isolated`) can be cut off from ZooKeeper while every
 * process still reaches every broker (docs/testing.md, N3, N6). The test process itself is a third party
 * that always reaches both ZooKeeper (`zookeeper.connect`) and every broker.
 */
export interface ZookeeperCut {
  name: string;
  zookeeper: ZookeeperServer;
  /** The ZooKeeper address the isolated host's processes must use. */
  isolatedZkConnect: string;
  isolated: Host;
  other: Host;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

const direct: SpawnVia = (command, args) => [command, args];
const loopback: Host = { spawnVia: direct, address: '127.0.0.1' };

/** Everything on loopback; the isolated host reaches ZooKeeper through a blackholing TCP proxy. */
export async function proxyCut(): Promise<ZookeeperCut> {
  const zookeeper = await startZookeeper();
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: zookeeper.port });
  return {
    name: 'a blackholing TCP proxy',
    zookeeper,
    isolatedZkConnect: proxy.address,
    isolated: loopback,
    other: loopback,
    cut: () => proxy.blackhole(),
    heal: () => proxy.heal(),
    close: async () => {
      await proxy.close();
      await zookeeper.stop();
    },
  };
}

/**
 * ZooKeeper, the isolated host and the other host each in a network namespace on one bridge; the
 * cut is a pair of blackhole routes between the isolated namespace and ZooKeeper's.
 */
export async function netnsCut(): Promise<ZookeeperCut> {
  const lab = NetnsLab.create([LOCAL, 'zk', 'iso', 'other']);
  const host = (name: string): Host => ({ spawnVia: (command, args) => lab.spawnArgs(name, command, args), address: lab.address(name) });
  try {
    const zookeeper = await startZookeeper({ ...host('zk'), address: lab.address('zk') });
    return {
      name: 'network namespaces',
      zookeeper,
      isolatedZkConnect: zookeeper.connect,
      isolated: host('iso'),
      other: host('other'),
      cut: () => lab.partition('iso', 'zk'),
      heal: () => lab.heal('iso', 'zk'),
      close: async () => {
        await zookeeper.stop();
        lab.destroy();
      },
    };
  } catch (error) {
    lab.destroy();
    throw error;
  }
}
