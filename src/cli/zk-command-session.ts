import { ZkSession } from '../coordination/zk/zk-session.js';

/** A ZooKeeper session for one CLI command, closed when the action ends. */
export async function withZk<T>(zk: string, action: (session: ZkSession) => Promise<T>): Promise<T> {
  const session = await ZkSession.open({ connect: zk, sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  try {
    return await action(session);
  } finally {
    await session.close();
  }
}
