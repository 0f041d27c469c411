import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ConfigError } from '../common/errors.js';

/** The address a broker registers (and listens on), and why it was chosen. */
export interface HostChoice {
  host: string;
  reason: string;
}

/** What the choice reads from the machine; tests replace it. */
export interface HostProbe {
  /** The IP addresses a ZooKeeper host name stands for. */
  resolve(host: string): Promise<string[]>;
  /** The local address the kernel would send from to reach `address` (undefined: no route). */
  sourceAddress(address: string, port: number): Promise<string | undefined>;
  interfaces(): ReturnType<typeof networkInterfaces>;
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(::ffff:)?127\./.test(bare);
}

/** The `host:port` pairs of a connect string `host:port[,host:port…][/chroot]`. */
export function zookeeperServers(connect: string): Array<{ host: string; port: number }> {
  const slash = connect.indexOf('/');
  const servers = slash === -1 ? connect : connect.slice(0, slash);
  return servers
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '')
    .map((server) => {
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
      if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 2181) };
      const parts = server.split(':');
      // One colon separates the port; more make a bare IPv6 address without one.
      return parts.length === 2 ? { host: parts[0]!, port: Number(parts[1]) } : { host: server, port: 2181 };
    });
}

/** A UDP connect() sends nothing: it only asks the kernel which source address the route uses. */
function udpSourceAddress(address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    const done = (result: string | undefined): void => {
      socket.close();
      resolve(result);
    };
    socket.once('error', () => done(undefined));
    socket.connect(port, address, () => done(socket.address().address));
  });
}

export const systemProbe: HostProbe = {
  resolve: async (host) => (isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address)),
  sourceAddress: udpSourceAddress,
  interfaces: networkInterfaces,
};

function refusal(host: string, zookeeper: string, how: string): ConfigError {
  return new ConfigError(
    `cluster mode would register ${how} loopback address ${host}, but ZooKeeper (${zookeeper}) is not on loopback: clients on other hosts ` +
      `would find this broker at an address that is their own machine; set [system] hostName (or pass --host) to an address they can reach`,
  );
}

/**
 * The address a broker in cluster mode registers in ZooKeeper when `[system] hostName` is blank:
 * the one a remote client can reach. ZooKeeper on loopback means a one-machine cluster: 127.0.0.1.
 * Otherwise the source address of the route to ZooKeeper (the interface the cluster's network uses),
 * else the first non-internal IPv4 address. Loopback while ZooKeeper is elsewhere is refused.
 */
export async function chooseHost(zkConnect: string, probe: HostProbe = systemProbe): Promise<HostChoice> {
  const servers = zookeeperServers(zkConnect);
  const remote: Array<{ address: string; port: number }> = [];
  // A name that does not resolve here is not known to be loopback: no reason to stay on 127.0.0.1.
  let unresolved = false;
  for (const server of servers) {
    const addresses = await probe.resolve(server.host).catch(() => undefined);
    if (addresses === undefined) unresolved = !isLoopback(server.host);
    for (const address of addresses ?? []) if (!isLoopback(address)) remote.push({ address, port: server.port });
  }
  if (remote.length === 0 && !unresolved) return { host: '127.0.0.1', reason: `ZooKeeper (${zkConnect}) is on loopback: a cluster on this machine` };
  for (const { address, port } of remote) {
    const source = await probe.sourceAddress(address, port);
    if (source !== undefined && !isLoopback(source) && source !== '0.0.0.0' && source !== '::')
      return { host: source, reason: `the local address of the interface that reaches ZooKeeper at ${address}` };
  }
  for (const [name, entries] of Object.entries(probe.interfaces()))
    for (const entry of entries ?? [])
      if (entry.family === 'IPv4' && !entry.internal)
        return { host: entry.address, reason: `no route to ZooKeeper gave an address; the first non-internal IPv4 address (interface ${name})` };
  throw refusal('127.0.0.1', zkConnect, 'the');
}

/** An explicit loopback hostName is refused in a cluster whose ZooKeeper other hosts reach. */
export async function checkRegisteredHost(host: string, zkConnect: string, probe: HostProbe = systemProbe): Promise<void> {
  if (!isLoopback(host)) return;
  for (const server of zookeeperServers(zkConnect)) {
    const addresses = await probe.resolve(server.host).catch(() => [] as string[]);
    if (addresses.some((address) => !isLoopback(address))) throw refusal(host, zkConnect, 'the configured');
  }
}
