import type { Broker } from '../broker/broker.js';
import type { ZkSession } from '../coordination/zk/zk-session.js';

/** A wildcard listen address is no address to give clients: they get `[system] hostName` instead. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The admin URL clients should use: the address listened on, `[http] host` (else `[system] hostName`, the
 * address the broker registers for its wire port, advertised-host.ts) and the port listened on. A
 * name, not the resolved address, so an HTTPS certificate for that name still matches.
 */
export function advertisedAdminUrl(hostName: string, listen: string, port: number, secure: boolean): string {
  const host = listen === '' || isWildcard(listen) ? hostName : listen;
  const bare = host.replace(/^\[|\]$/g, '');
  return `${secure ? 'https' : 'http'}://${bare.includes(':') ? `[${bare}]` : bare}:${port}`;
}

/** `m` for a master, `s<slaveId>` for an async slave, `sync` for a sync slave (whose slaveId may be unset). */
function member(broker: Broker): string {
  const role = broker.replication.config.role;
  return role === 'async-slave' ? `s${broker.config.replication.slaveId}` : role === 'sync-slave' ? 'sync' : 'm';
}

/**
 * The broker's admin URL as an ephemeral znode (`<zkRoot>/metaq/admin/<brokerId>-<member>`), which
 * `metaq lag --zk` and the other cluster-wide commands list. Gone with the session; written again on
 * a new one; removed when the admin server closes.
 */
export class AdminUrlRegistration {
  private closed = false;
  private readonly again = (): void => void this.register().catch(() => undefined);

  private constructor(
    private readonly session: ZkSession,
    private readonly path: string,
    readonly url: string,
    private readonly broker: Broker,
  ) {}

  /** Undefined outside cluster mode: there is no ZooKeeper to register in. */
  static async start(broker: Broker, url: string): Promise<AdminUrlRegistration | undefined> {
    const cluster = broker.cluster;
    if (cluster === undefined) return undefined;
    const registration = new AdminUrlRegistration(cluster.session, cluster.znodes.adminUrl(broker.config.system.brokerId, member(broker)), url, broker);
    cluster.session.on('established', registration.again);
    await registration.register();
    return registration;
  }

  private async register(): Promise<void> {
    if (this.closed) return;
    // The wire registration refused to start if another live broker had our id, so a node here is
    // ours from before a restart (its HTTP port may have changed): replaced.
    const claim = await this.session.claimEphemeral(this.path, this.url, () => true);
    if (!claim.claimed)
      this.broker.logger.warn(
        { component: 'admin', path: this.path, holder: claim.holder },
        'another broker registered its admin URL here; this one is not listed',
      );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session.off('established', this.again);
    if (!this.session.healthy) return;
    const holder = await this.session.getData(this.path).catch(() => undefined);
    if (holder === this.url) await this.session.remove(this.path).catch(() => undefined);
  }
}
