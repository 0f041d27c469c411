import { ZkSession } from '../coordination/zk/zk-session.js';
import { MetaZnodes } from '../coordination/zk/znodes.js';

/** What ZooKeeper says about a cluster's admin APIs: every registered URL, and the shared token if there is one. */
export interface ClusterAdmins {
  /** Ordered by broker id, then master before slaves. */
  urls: string[];
  token: string | undefined;
}

/** `3-m` before `3-s1` before `10-m`: by broker id as a number, then by member. */
function byBroker(a: string, b: string): number {
  const [idA = '', memberA = ''] = a.split('-');
  const [idB = '', memberB = ''] = b.split('-');
  return Number(idA) - Number(idB) || memberA.localeCompare(memberB);
}

/**
 * Read the admin URLs brokers registered (src/admin/admin-url-registration.ts) and the cluster's
 * token (src/admin/admin-token.ts) from ZooKeeper `zk`, under zkRoot `root`. No registered broker
 * is an error that says where it looked.
 */
export async function discoverAdmins(zk: string, root: string): Promise<ClusterAdmins> {
  const znodes = new MetaZnodes(root);
  const session = await ZkSession.open({ connect: zk, sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  try {
    const children = (await session.getChildren(znodes.adminUrls())).sort(byBroker);
    const urls: string[] = [];
    for (const child of children) {
      const url = await session.getData(`${znodes.adminUrls()}/${child}`);
      if (url !== undefined && url !== '') urls.push(url);
    }
    if (urls.length === 0)
      throw new Error(
        `no broker has registered an admin URL in ZooKeeper ${zk} under ${znodes.adminUrls()}: are the brokers running in cluster mode ([zookeeper] zk.zkConnect) with [http] enabled, and is --root their zk.zkRoot?`,
      );
    const token = (await session.getData(znodes.adminToken()))?.trim();
    return { urls, token: token === '' ? undefined : token };
  } finally {
    await session.close();
  }
}
