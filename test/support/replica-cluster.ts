import { join } from 'node:path';
import { MetaqClient } from '../../src/client/index.js';
import { ACK_BEFORE_SLAVE_FAULT } from '../../src/broker/replication/sync-master.js';
import { isRecordIntact, iterateRecords } from '../../src/protocol/record.js';
import type { BrokerProcess } from './broker-process.js';
import { startBrokerProcess, tempDir, writeConfig } from './broker-process.js';
import type { ReadRecord } from './history-checker.js';
import { FaultProxy } from './fault-proxy.js';
import { LOCAL, NetnsLab } from './netns.js';
import type { ZookeeperServer } from './zookeeper-server.js';
import { startZookeeper } from './zookeeper-server.js';

/** How the master↔slave link is cut: blackhole routes between namespaces, or a blackholing proxy. */
export interface SlaveLink {
  cut(): void;
  heal(): void;
  /** The proxy between them, when there is one (N5 degrades it). */
  proxy: FaultProxy | undefined;
}

export interface ReplicaCluster {
  zookeeper: ZookeeperServer;
  master: BrokerProcess;
  slave: BrokerProcess;
  masterUrl: string;
  slaveUrl: string;
  masterConfig: string;
  masterData: string;
  link: SlaveLink;
  brokerId: number;
  /** Start the master again (same config, same port). */
  restartMaster(): Promise<BrokerProcess>;
  close(): Promise<void>;
}

export interface ReplicaClusterOptions {
  topic: string;
  partitions: number;
  /** 'netns' puts master and slave in their own namespaces; 'proxy' links them through a FaultProxy; 'direct' connects them plainly (benchmarks). */
  via: 'netns' | 'proxy' | 'direct';
  autoPromote?: boolean;
  sessionTimeoutMs?: number;
  sendToSlaveTimeoutMs?: number;
  failureThreshold?: number;
  /**
   * Negative controls: a master that acks before its data is on disk (`unflushThreshold=1000`)
   * and loses its unsynced writes on kill -9 (a power cut, through the volatile FileIO).
   */
  brokenMaster?: boolean;
  /** Negative controls of N1 and N2: a master that acks once a put is in its own log, not waiting for the slave (a test-only fault). */
  ackBeforeSlave?: boolean;
  /** More `[system]` keys for both brokers. */
  system?: Record<string, string | number>;
}

/** Network namespaces where the machine allows them (root and iproute2), else proxies on loopback. */
export function preferredVia(): 'netns' | 'proxy' {
  return NetnsLab.available() ? 'netns' : 'proxy';
}

/** A ZooKeeper, a sync slave and its sync master as real processes, the master↔slave link cuttable. */
export async function startReplicaCluster(o: ReplicaClusterOptions): Promise<ReplicaCluster> {
  const lab = o.via === 'netns' ? NetnsLab.create([LOCAL, 'master', 'slave']) : undefined;
  const host = (name: string): string => lab?.address(name) ?? '127.0.0.1';
  const spawnVia = (name: string) => (lab === undefined ? undefined : (command: string, args: string[]) => lab.spawnArgs(name, command, args));
  const zookeeper = await startZookeeper({ address: host(LOCAL), maxSessionTimeoutMs: Math.max(4000, o.sessionTimeoutMs ?? 4000) });
  const brokerId = 1;
  const zk = { 'zk.zkConnect': zookeeper.connect, 'zk.zkSessionTimeoutMs': o.sessionTimeoutMs ?? 4000, 'zk.zkSyncTimeMs': 10 };
  const topics = { [o.topic]: { numPartitions: o.partitions } };
  const slaveDir = tempDir('n-slave');
  const slaveConfig = writeConfig(
    slaveDir,
    { brokerId, hostName: host('slave'), dataPath: join(slaveDir, 'data'), unflushThreshold: 0, ...o.system },
    topics,
    zk,
    { role: 'sync-slave', autoPromote: o.autoPromote ?? false },
  );
  const slave = await startBrokerProcess(slaveConfig, { spawnVia: spawnVia('slave') });
  const proxy = o.via === 'proxy' ? await FaultProxy.start({ host: '127.0.0.1', port: slave.port }) : undefined;
  const masterDir = tempDir('n-master');
  const masterData = join(masterDir, 'data');
  const flush: Record<string, number> = o.brokenMaster === true ? { unflushThreshold: 1000, unflushInterval: 600_000 } : { unflushThreshold: 0 };
  const masterConfig = writeConfig(masterDir, { brokerId, hostName: host('master'), dataPath: masterData, ...flush, ...o.system }, topics, zk, {
    slave: proxy?.address ?? `${host('slave')}:${slave.port}`,
    sendToSlaveTimeoutInMills: o.sendToSlaveTimeoutMs ?? 1000,
    slaveContinuousFailureThreshold: o.failureThreshold ?? 100,
    checkSlaveIntervalInMills: 50,
  });
  const volatile = o.brokenMaster === true;
  const env = o.ackBeforeSlave === true ? { [ACK_BEFORE_SLAVE_FAULT]: '1' } : undefined;
  let master = await startBrokerProcess(masterConfig, { spawnVia: spawnVia('master'), volatile, env });
  const masterPort = master.port;
  const link: SlaveLink = {
    proxy,
    cut: () => (lab ? lab.partition('master', 'slave') : proxy?.blackhole()),
    heal: () => (lab ? lab.heal('master', 'slave') : proxy?.heal()),
  };
  return {
    zookeeper,
    get master() {
      return master;
    },
    slave,
    masterUrl: `meta://${host('master')}:${masterPort}`,
    slaveUrl: `meta://${host('slave')}:${slave.port}`,
    masterConfig,
    masterData,
    link,
    brokerId,
    restartMaster: async () => (master = await startBrokerProcess(masterConfig, { spawnVia: spawnVia('master'), port: masterPort, volatile, env })),
    close: async () => {
      await Promise.all([master.kill('SIGKILL'), slave.kill('SIGKILL')]);
      await proxy?.close();
      await zookeeper.stop();
      lab?.destroy();
    },
  };
}

/** A broker's `stats replication`, as key → value. */
export async function replicationStatus(url: string): Promise<Map<string, string>> {
  const client = new MetaqClient({ serverUrl: url });
  try {
    return [...(await client.stats('replication')).values()][0] ?? new Map<string, string>();
  } finally {
    await client.close();
  }
}

/** A full scan of a topic on one broker: every record with its offset, as the checker wants it. */
export async function scanBroker(url: string, topic: string, partitions: number): Promise<ReadRecord[]> {
  const client = new MetaqClient({ serverUrl: url, partitions: { [topic]: partitions } });
  const records: ReadRecord[] = [];
  try {
    for (let partition = 0; partition < partitions; partition += 1) {
      let offset = 0;
      for (;;) {
        const fetched = await client.get(topic, partition, offset, { maxSize: 1024 * 1024 });
        if (fetched.caughtUp || fetched.messages.length === 0) break;
        for (const message of fetched.messages)
          records.push({ partition, offset: message.offset, size: message.nextOffset - message.offset, payload: message.data.toString(), intact: true });
        offset = fetched.nextOffset;
      }
    }
  } finally {
    await client.close();
  }
  return records;
}

/** Records of raw log bytes (a dead broker's files, read with the storage layer) as checker reads. */
export function recordsOf(partition: number, start: number, bytes: Buffer): ReadRecord[] {
  return [...iterateRecords(bytes)].map((record) => ({
    partition,
    offset: start + record.position,
    size: record.size,
    payload: record.payload.toString(),
    intact: isRecordIntact(record),
  }));
}
