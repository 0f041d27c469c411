import { after, before } from 'node:test';
import { ZkSession } from '../../src/coordination/zk/zk-session.js';
import type { ZookeeperServer } from './zookeeper-server.js';
import { startZookeeper } from './zookeeper-server.js';

/** A suite's ZooKeeper, and a session to it where asked for; both exist once the suite's tests run. */
export interface SuiteZookeeper {
  readonly server: ZookeeperServer;
  /** `server.connect`. */
  readonly connect: string;
  readonly session: ZkSession;
}

/**
 * Start a private ZooKeeper before the tests of the calling suite and stop it after them, with a
 * client session (4 s) if `session` is set. `cleanup` runs first when the suite ends (brokers
 * still registered there, for instance); `server` goes to `startZookeeper`.
 */
export function zookeeperForSuite(
  options: { session?: boolean; cleanup?: () => Promise<void>; server?: Parameters<typeof startZookeeper>[0] } = {},
): SuiteZookeeper {
  let server: ZookeeperServer | undefined;
  let session: ZkSession | undefined;
  before(async () => {
    server = await startZookeeper(options.server);
    if (options.session === true) session = await ZkSession.open({ connect: server.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
  });
  after(async () => {
    await options.cleanup?.();
    await session?.close();
    await server?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the suite's ZooKeeper ${what} is used before the suite's tests run (or was not asked for)`);
    return value;
  };
  return {
    get server() {
      return started(server, 'server');
    },
    get connect() {
      return started(server, 'server').connect;
    },
    get session() {
      return started(session, 'session');
    },
  };
}
