import { randomBytes } from 'node:crypto';
import type { Broker } from '../broker/broker.js';
import { NodeFileIO } from '../broker/local-files.js';
import type { FileIO } from '../broker/local-files.js';
import { ConfigError, MetaqError } from '../common/errors.js';
import type { ZkSession } from '../coordination/zk/zk-session.js';
import { isNodeExists } from '../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../coordination/zk/znodes.js';

/** Where the admin API's token came from: printed at start, and in docs/security.md. */
export type TokenSource = 'configured' | 'file' | 'cluster' | 'generated';

export interface AdminToken {
  token: string;
  source: TokenSource;
}

function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

/** `[http] tokenFile`: refused when group or others may read it, as ssh refuses a private key. */
export async function readTokenFile(path: string, io: FileIO = new NodeFileIO()): Promise<string> {
  const info = await io.stat(path);
  if (info === undefined) throw new ConfigError(`[http] tokenFile ${path} does not exist; give a file holding the admin token`);
  const mode = info.mode ?? 0o600;
  if ((mode & 0o077) !== 0 && process.platform !== 'win32')
    throw new ConfigError(`[http] tokenFile ${path} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); run: chmod 600 ${path}`);
  const token = ((await io.readFile(path)) ?? Buffer.alloc(0)).toString('utf8').trim();
  if (token === '') throw new ConfigError(`[http] tokenFile ${path} is empty; write the admin token into it`);
  return token;
}

/**
 * The cluster's token at `<zkRoot>/metaq/admin-token`, created when missing. Create-if-absent: of
 * two brokers starting together one creates it, the other gets NODE_EXISTS and reads the winner's.
 */
export async function clusterToken(session: ZkSession, znodes: MetaZnodes): Promise<string> {
  const path = znodes.adminToken();
  const existing = await session.getData(path);
  if (existing === undefined) {
    try {
      const token = randomToken();
      await session.create(path, token, 'persistent');
      return token;
    } catch (error) {
      if (!isNodeExists(error)) throw error;
    }
  }
  const token = (existing ?? (await session.getData(path)) ?? '').trim();
  if (token === '') throw new MetaqError('ZK_ERROR', `ZooKeeper node ${path} holds no token; delete it (a broker then creates one) or write one into it`);
  return token;
}

/**
 * The token the admin API requires, first found of: `[http] token` (or the caller's), `[http]
 * tokenFile`, the cluster's in ZooKeeper (cluster mode), a random one for this run. A broker's own
 * token wins over the cluster's, which it then neither writes nor changes: it is only warned about.
 */
export async function resolveAdminToken(broker: Broker, given?: string): Promise<AdminToken> {
  const http = broker.config.http;
  const configured = given ?? http.token;
  const own: AdminToken | undefined =
    configured !== ''
      ? { token: configured, source: 'configured' }
      : http.tokenFile !== ''
        ? { token: await readTokenFile(http.tokenFile), source: 'file' }
        : undefined;
  const cluster = broker.cluster;
  if (own === undefined)
    return cluster === undefined
      ? { token: randomToken(), source: 'generated' }
      : { token: await clusterToken(cluster.session, cluster.znodes), source: 'cluster' };
  const shared = cluster === undefined ? undefined : await cluster.session.getData(cluster.znodes.adminToken()).catch(() => undefined);
  if (shared !== undefined && shared.trim() !== own.token)
    broker.logger.warn(
      { component: 'admin', path: cluster!.znodes.adminToken() },
      `this broker's [http] ${own.source === 'file' ? 'tokenFile' : 'token'} differs from the cluster's token in ZooKeeper: it answers only its own, so metaq lag/monitor/trace --zk report it as refusing unless given --token`,
    );
  return own;
}
