import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BrokerError, MetaqClient, ZkSession } from '../../src/client/index.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { readEventLog } from '../support/event-log.js';
import { backgroundSends } from '../support/background-sends.js';
import type { GroupMemberSettings } from '../support/group-member.js';
import { NetnsLab } from '../support/netns.js';
import { silentLogger } from '../support/storage-harness.js';
import type { GroupEvent } from '../support/ownership-checker.js';
import { checkGroup } from '../support/ownership-checker.js';
import type { Host, ZookeeperCut } from '../support/zookeeper-cut.js';
import { netnsCut, proxyCut } from '../support/zookeeper-cut.js';
import { zookeeperForSuite } from '../support/suite-zookeeper.js';

const SESSION_MS = 1000;
const MEMBER = fileURLToPath(new URL('../support/group-member.js', import.meta.url));

/** When a broker logged `message` (pino's epoch-ms `time`), or undefined. */
function loggedAt(broker: BrokerProcess, message: RegExp): number | undefined {
  const line = broker.logs.find((entry) => message.test(String(entry.msg)));
  return line === undefined ? undefined : Number(line.time);
}

function clusterBroker(host: Host, zkConnect: string, brokerId: number, topic: string, numPartitions: number): Promise<BrokerProcess> {
  const dir = tempDir(`zkpart-${brokerId}`);
  const config = writeConfig(
    dir,
    { brokerId, hostName: host.address, dataPath: join(dir, 'data'), unflushThreshold: 0 },
    { [topic]: { numPartitions } },
    { 'zk.zkConnect': zkConnect, 'zk.zkSessionTimeoutMs': SESSION_MS, 'zk.zkSyncTimeMs': 10 },
  );
  return startBrokerProcess(config, { spawnVia: host.spawnVia });
}

/** Resolves with the time `zk` learned that broker `id`'s registration was expired by the server. */
async function registrationGone(zk: ZkSession, id: number): Promise<number> {
  for (;;) {
    let changed!: () => void;
    const change = new Promise<void>((resolve) => (changed = resolve));
    if (!(await zk.getChildren(`/meta/brokers/ids/${id}`, changed)).includes('master')) return Date.now();
    await change;
  }
}

const cuts: Array<{ name: string; make: () => Promise<ZookeeperCut> }> = [{ name: 'a blackholing TCP proxy', make: proxyCut }];
if (NetnsLab.available()) cuts.push({ name: 'network namespaces', make: netnsCut });
else it('N3 and N6 in network namespaces need root and `ip netns`; the TCP proxy runs them here instead', { skip: true });

for (const { name, make } of cuts) {
  describe(`ZooKeeper cut off (N3, N6) through ${name}`, { timeout: 120_000 }, () => {
    let cut: ZookeeperCut;
    let zk: ZkSession;
    before(async () => {
      cut = await make();
      zk = await ZkSession.open({ connect: cut.zookeeper.connect, sessionTimeoutMs: 4000, connectionTimeoutMs: 10_000 });
    });
    after(async () => {
      await killAllBrokers();
      await zk.close();
      await cut.close();
    });

    it('N3: a master cut off from ZooKeeper fences before its session expires; clients move without a failed send; it re-registers after healing', async () => {
      const isolated = await clusterBroker(cut.isolated, cut.isolatedZkConnect, 31, 'n3', 2);
      const other = await clusterBroker(cut.other, cut.zookeeper.connect, 32, 'n3', 2);
      const client = new MetaqClient({ zkConnect: cut.zookeeper.connect, zkSessionTimeoutMs: 4000 });
      const producer = client.producer();
      const load = backgroundSends(producer, 'n3', 'n3', 200_000);
      const sends = load.outcomes;
      const okOn = (brokerId: number, since = 0): boolean => sends.some((s) => s.ok && s.brokerId === brokerId && s.start >= since);
      try {
        await eventually(() => okOn(31) && okOn(32), 'both brokers take writes');
        const expired = registrationGone(zk, 31);
        cut.cut();
        const expiredAt = await expired;
        const fencedAt = loggedAt(isolated, /session may be lost/);
        assert.ok(
          fencedAt !== undefined && fencedAt <= expiredAt,
          `the master fenced itself (${fencedAt}) before ZooKeeper expired its session (${expiredAt})`,
        );
        await eventually(
          () =>
            sends
              .filter((s) => s.start > expiredAt)
              .slice(-20)
              .filter((s) => s.ok && s.brokerId === 32).length === 20,
          'clients move to the other broker',
        );

        const healedAt = Date.now();
        cut.heal();
        await eventually(() => okOn(31, healedAt), 'the healed broker re-registers and takes writes again');
        const registeredAt = loggedAt(isolated, /new ZooKeeper session/)!;
        const zombieAcks = sends.filter((s) => s.ok && s.brokerId === 31 && s.start > fencedAt && s.end < registeredAt);
        assert.deepEqual(zombieAcks, [], 'no write acked by the isolated broker between fencing and re-registering');
        assert.deepEqual(
          sends.filter((s) => !s.ok),
          [],
          'no send failed: the fenced broker refused with 503 and the producer resent to the other',
        );
      } finally {
        await load.stop();
        await client.close();
        await isolated.kill('SIGTERM');
        await other.kill('SIGTERM');
      }
    });

    it('N6: a consumer cut off from ZooKeeper stops fetching before another takes over, rejoins after healing, loses nothing', async () => {
      const broker = await clusterBroker(cut.other, cut.zookeeper.connect, 61, 'n6', 4);
      const eventsFile = join(tempDir('n6'), 'isolated.jsonl');
      const settings: GroupMemberSettings = {
        zkConnect: cut.isolatedZkConnect,
        group: 'n6',
        topic: 'n6',
        consumerId: 'isolated',
        eventsFile,
        sessionTimeoutMs: SESSION_MS,
        workMs: 0,
      };
      const [command, args] = cut.isolated.spawnVia(process.execPath, [MEMBER, JSON.stringify(settings)]);
      const isolated = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      const isolatedExited = once(isolated, 'exit');
      const local: GroupEvent[] = [];
      const events = (): GroupEvent[] => [...local, ...readEventLog(eventsFile)];
      const owned = (who: string): number => {
        const now = new Set<string>();
        for (const e of events()) {
          if (e.who !== who) continue;
          if (e.kind === 'assigned') now.add(e.partition);
          else if (e.kind === 'revoked') now.delete(e.partition);
        }
        return now.size;
      };
      const client = new MetaqClient({ zkConnect: cut.zookeeper.connect, zkSessionTimeoutMs: SESSION_MS });
      const log = (kind: 'assigned' | 'revoked') => (_topic: string, partitions: string[]) =>
        partitions.forEach((partition) => local.push({ kind, who: 'connected', partition, at: Date.now() }));
      const connected = client
        .consumer({
          group: 'n6',
          consumerId: 'connected',
          logger: silentLogger,
          rebalanceRetryMs: 100,
          maxDelayFetchMs: 20,
          commitIntervalMs: 200,
          rebalanceListener: { onPartitionsAssigned: log('assigned'), onPartitionsRevoked: log('revoked') },
        })
        .subscribe('n6');
      const producer = client.producer();
      const load = backgroundSends(producer, 'n6', 'n6', 200_000);
      try {
        await once(isolated.stdout, 'data');
        await connected.run(
          (message) =>
            void local.push({
              kind: 'delivered',
              who: 'connected',
              partition: `${message.partition.brokerId}-${message.partition.index}`,
              offset: message.offset,
              data: message.data.toString(),
              at: Date.now(),
            }),
        );
        await eventually(() => owned('isolated') === 2 && owned('connected') === 2, 'the two members split four partitions');
        cut.cut();
        await eventually(() => owned('isolated') === 0, 'the cut-off member stops fetching');
        await eventually(() => owned('connected') === 4, 'the other member takes over every partition');
        cut.heal();
        await eventually(() => owned('isolated') === 2 && owned('connected') === 2, 'the healed member rejoins');
        await load.stop();
        const acked = load.acked();
        await eventually(() => {
          const delivered = new Set(events().flatMap((e) => (e.kind === 'delivered' ? [e.data] : [])));
          return acked.every((data) => delivered.has(data));
        }, 'every acked message delivered');
        isolated.kill('SIGTERM');
        await isolatedExited;
        await connected.close();
        const verdict = checkGroup(events(), acked);
        assert.deepEqual(verdict.overlaps, [], 'the cut-off member stopped before the other took over');
        assert.deepEqual(verdict.outsideOwnership, []);
        assert.deepEqual(verdict.duplicatesWithinOwnership, [], 'duplicates only at ownership changes');
        assert.deepEqual(verdict.lost, []);
      } finally {
        await load.stop();
        isolated.kill('SIGKILL');
        await client.close();
        await broker.kill('SIGTERM');
      }
    });
  });
}

describe('ZooKeeper session lost to a process pause (N4)', { timeout: 120_000 }, () => {
  const zookeeper = zookeeperForSuite({ session: true, cleanup: killAllBrokers });

  it('N4: a master paused past its session refuses the puts queued during the pause, then serves again', async () => {
    const broker = await clusterBroker({ spawnVia: (command, args) => [command, args], address: '127.0.0.1' }, zookeeper.connect, 41, 'n4', 1);
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    const producer = client.producer();
    const acked: string[] = [];
    const send = (data: string): Promise<'ok' | 'fenced' | 'other'> =>
      producer.send({ topic: 'n4', data }).then(
        () => (acked.push(data), 'ok'),
        (error: unknown) => (error instanceof BrokerError && /lost its ZooKeeper session/.test(error.message) ? 'fenced' : 'other'),
      );
    try {
      assert.equal(await send('before'), 'ok');
      const expired = registrationGone(zookeeper.session, 41);
      broker.child.kill('SIGSTOP');
      const inFlight = Array.from({ length: 5 }, (_, i) => send(`paused-${i}`));
      await expired;
      broker.child.kill('SIGCONT');
      const outcomes = await Promise.all(inFlight);
      assert.ok(!outcomes.includes('ok'), `no put queued during the pause is acked: ${outcomes.join(', ')}`);
      await eventually(async () => (await send(`after-${Date.now()}`)) === 'ok', 'the broker serves again after a new session');
      const stored = new Set<string>();
      for await (const message of client.browse('n4')) stored.add(message.data.toString());
      assert.deepEqual(
        acked.filter((data) => !stored.has(data)),
        [],
        'every acked put is stored',
      );
    } finally {
      broker.child.kill('SIGCONT');
      await client.close();
      await broker.kill('SIGTERM');
    }
  });
});
