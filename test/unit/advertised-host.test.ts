import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostProbe } from '../../src/broker/advertised-host.js';
import { chooseHost, isLoopback, zookeeperServers } from '../../src/broker/advertised-host.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { settleHostName } from '../../src/broker/registered-host.js';
import { ConfigError } from '../../src/common/errors.js';
import { silentLogger } from '../support/storage-harness.js';

/** A machine with the given route answer and interfaces; names resolve through `names`. */
function probe(
  route: string | undefined,
  nics: Record<string, Array<{ address: string; internal: boolean }>> = {},
  names: Record<string, string[]> = {},
): HostProbe {
  return {
    resolve: (host) => Promise.resolve(names[host] ?? [host]),
    sourceAddress: () => Promise.resolve(route),
    interfaces: () =>
      Object.fromEntries(
        Object.entries(nics).map(([name, list]) => [
          name,
          list.map((nic) => ({ ...nic, family: 'IPv4' as const, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null })),
        ]),
      ),
  };
}

const config = (zk: string | undefined, hostName?: string) =>
  parseBrokerConfig(
    `[system]\n${hostName === undefined ? '' : `hostName=${hostName}\n`}${zk === undefined ? '' : `[zookeeper]\nzk.zkConnect=${zk}\n`}[topic=*]\n`,
    't.ini',
  );

describe('the address a cluster-mode broker registers', () => {
  it('reads connect strings: ports, chroot, IPv6', () => {
    assert.deepEqual(zookeeperServers('a:1,b:2/meta'), [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
    assert.deepEqual(zookeeperServers('[fd00::1]:2182,zk'), [
      { host: 'fd00::1', port: 2182 },
      { host: 'zk', port: 2181 },
    ]);
    assert.ok(isLoopback('127.0.0.2') && isLoopback('localhost') && isLoopback('::1') && !isLoopback('10.0.0.1'));
  });

  it('ZooKeeper on loopback: 127.0.0.1, a cluster on one machine', async () => {
    const names = { localhost: ['127.0.0.1', '::1'] };
    assert.equal((await chooseHost('localhost:2181', probe('10.1.1.1', { eth0: [{ address: '10.1.1.1', internal: false }] }, names))).host, '127.0.0.1');
  });

  it('ZooKeeper elsewhere: the source address of the route to it, else the first non-internal IPv4', async () => {
    const nics = { lo: [{ address: '127.0.0.1', internal: true }], eth0: [{ address: '192.168.5.5', internal: false }] };
    const routed = await chooseHost('10.9.0.1:2181', probe('10.9.0.7', nics));
    assert.equal(routed.host, '10.9.0.7');
    assert.match(routed.reason, /interface that reaches ZooKeeper at 10\.9\.0\.1/);
    const fallback = await chooseHost('10.9.0.1:2181', probe(undefined, nics));
    assert.equal(fallback.host, '192.168.5.5');
    assert.match(fallback.reason, /first non-internal IPv4 address \(interface eth0\)/);
    const unresolvable: HostProbe = { ...probe(undefined, nics), resolve: () => Promise.reject(new Error('ENOTFOUND')) };
    assert.equal((await chooseHost('zk.example:2181', unresolvable)).host, '192.168.5.5', 'a name that does not resolve is not taken for loopback');
  });

  it('refuses loopback when ZooKeeper is not on loopback, naming hostName and --host', async () => {
    const onlyLoopback = probe('127.0.0.1', { lo: [{ address: '127.0.0.1', internal: true }] });
    await assert.rejects(chooseHost('10.9.0.1:2181', onlyLoopback), (error: Error) => error instanceof ConfigError && /hostName.*--host/.test(error.message));
    const explicit = config('10.9.0.1:2181', '127.0.0.1');
    await assert.rejects(settleHostName(explicit, true, silentLogger, onlyLoopback), /configured loopback address 127\.0\.0\.1.*hostName \(or pass --host\)/);
    // The control: the same explicit hostName with ZooKeeper on loopback starts.
    await settleHostName(config('127.0.0.1:2181', '127.0.0.1'), true, silentLogger, onlyLoopback);
  });

  it('standalone keeps 127.0.0.1; an explicit hostName is kept as given', async () => {
    const routed = probe('10.9.0.7');
    const standalone = config(undefined);
    await settleHostName(standalone, false, silentLogger, routed);
    assert.equal(standalone.system.hostName, '127.0.0.1');
    const given = config('10.9.0.1:2181', 'broker1.example');
    await settleHostName(given, true, silentLogger, routed);
    assert.equal(given.system.hostName, 'broker1.example');
    const chosen = config('10.9.0.1:2181');
    await settleHostName(chosen, true, silentLogger, routed);
    assert.equal(chosen.system.hostName, '10.9.0.7');
  });
});
