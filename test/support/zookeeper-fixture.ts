import { after, before } from 'node:test';
import { ZkSession } from '../../src/coordination/zk/zk-session.js';
import type { ZookeeperServer } from './zookeeper-server.js';
import { startZookeeper } from './zookeeper-server.js';

export interface ZookeeperFixture {
  readonly server: ZookeeperServer;
  /** A session of the test's own, to read what brokers wrote. */
  readonly session: ZkSession;
  /** A `[zookeeper]` section pointing brokers at this server (4 s sessions, 10 ms sync time). */
  ini(): string;
}

/** A private ZooKeeper for the enclosing describe block: started before its tests, stopped after. */
export function useZookeeper(): ZookeeperFixture {
  let server: ZookeeperServer | undefined;
  let session: ZkSession | undefined;
  before(async () => {
    server = await startZookeeper();
    session = await ZkSession.open({ connect: server.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
  });
  after(async () => {
    await session?.close();
    await server?.stop();
  });
  return {
    get server() {
      return server!;
    },
    get session() {
      return session!;
    },
    ini: () => `[zookeeper]\nzk.zkConnect=${server!.connect}\nzk.zkSessionTimeoutMs=4000\nzk.zkSyncTimeMs=10\n`,
  };
}
