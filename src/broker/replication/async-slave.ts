import type { Logger } from 'pino';
import { crc32 } from 'node:zlib';
import type { ConnectionOptions } from '../../client/transport/broker-connection.js';
import { BrokerConnection } from '../../client/transport/broker-connection.js';
import { parseBrokerUrl } from '../../client/transport/broker-address.js';
import type { BrokerRegistration } from '../../coordination/zk/broker-registration.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';
import { parseTopicBroker } from '../../coordination/zk/znodes.js';
import { successText } from '../../protocol/commands/reply.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { PartitionStores } from '../partition-stores.js';
import { PartitionPuller } from './partition-puller.js';
import type { AsyncSlaveControl, AsyncSlaveStatus } from './replication.js';

export interface AsyncSlaveOptions {
  session: ZkSession;
  znodes: MetaZnodes;
  config: BrokerConfig;
  stores: PartitionStores;
  registration: BrokerRegistration;
  logger: Logger;
  /** How to reach the master: TLS (`[tls]`) and the login (`[auth] brokerUser`). */
  link: Partial<ConnectionOptions>;
  /** Counts copied records as the slave's puts (`cmd_put`, `put_slave`). */
  copied: (topic: string, records: number, bytes: number) => void;
  /** The master's topic sections changed: write and apply them (autoSyncMasterConfig). */
  applyMasterConfig: (masterText: string) => Promise<void>;
}

/**
 * An async slave (MetaQ's metaslave; docs/replication.md): finds its master and the master's topics in
 * ZooKeeper, copies every partition with a PartitionPuller, and registers each copied topic as
 * `<id>-s<slaveId>` so consumers can read from it when the master is gone. A new master (or a
 * changed config checksum) restarts replication; `resubscribe` does the same on request.
 */
export class AsyncSlave implements AsyncSlaveControl {
  private link: BrokerConnection | undefined;
  private masterUrl: string | undefined;
  private readonly pullers = new Map<string, { puller: PartitionPuller; controller: AbortController; loop: Promise<void> }>();
  private refreshing: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private syncedChecksum: string | undefined;
  private readonly brokerId: number;

  constructor(private readonly o: AsyncSlaveOptions) {
    this.brokerId = o.config.system.brokerId;
    o.session.on('established', this.onChange);
  }

  async start(): Promise<void> {
    await this.refresh();
  }

  /** One function for every watch (the ZooKeeper client keeps one registration per function). */
  private readonly onChange = (): void => {
    if (!this.closed)
      void this.refresh().catch((error: unknown) =>
        this.o.logger.warn({ component: 'replication', err: error }, 'could not follow the master; will retry on the next change'),
      );
  };

  /** Re-read the master and its topics; runs once more if something changed meanwhile. */
  private refresh(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again && !this.closed);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const { session, znodes } = this.o;
    const master = (await session.getVersioned(znodes.master(this.brokerId), this.onChange))?.data || undefined;
    const checksum = (await session.getVersioned(znodes.configChecksum(this.brokerId), this.onChange))?.data;
    if (master !== this.masterUrl) await this.follow(master);
    if (master === undefined || this.link === undefined) return; // wait for the master to appear
    if (
      this.o.config.replication.autoSyncMasterConfig &&
      checksum !== undefined &&
      checksum !== this.syncedChecksum &&
      checksum !== String(crc32(Buffer.from(this.o.config.text, 'utf8')))
    ) {
      await this.syncConfig();
      this.syncedChecksum = checksum;
    }
    for (const topic of await session.getChildren(`${znodes.root}/brokers/topics-sub`, this.onChange)) {
      const children = await session.getChildren(znodes.topicsSub(topic), this.onChange);
      if (!children.includes(`${this.brokerId}-m`)) continue;
      const info = parseTopicBroker((await session.getData(`${znodes.topicsSub(topic)}/${this.brokerId}-m`)) ?? '');
      if (info === undefined) continue;
      for (let partition = 0; partition < info.numParts; partition += 1) this.startPuller(topic, partition);
      const settings = this.o.stores.settings(topic);
      await this.o.registration.registerTopic({
        topic,
        numPartitions: info.numParts,
        acceptPublish: settings?.acceptPublish ?? true,
        acceptSubscribe: settings?.acceptSubscribe ?? true,
      });
    }
  }

  /** Switch to another master (or none): stop every puller and the old connection. */
  private async follow(master: string | undefined): Promise<void> {
    await this.stopPullers();
    await this.link?.close();
    this.link = undefined;
    this.masterUrl = master;
    if (master === undefined) {
      this.o.logger.warn({ component: 'replication' }, 'no master registered for this broker id: waiting for one');
      return;
    }
    this.link = new BrokerConnection(parseBrokerUrl(master), this.o.link);
    this.o.logger.info({ component: 'replication', master }, 'replicating from the master');
  }

  private startPuller(topic: string, partition: number): void {
    const key = `${topic}-${partition}`;
    if (this.pullers.has(key) || this.link === undefined) return;
    const r = this.o.config.replication;
    const puller = new PartitionPuller({
      topic,
      partition,
      link: this.link,
      stores: this.o.stores,
      group: r.slaveGroup,
      maxDelayMs: r.slaveMaxDelayInMills,
      logger: this.o.logger,
      copied: this.o.copied,
    });
    const controller = new AbortController();
    this.pullers.set(key, { puller, controller, loop: puller.run(controller.signal) });
  }

  private async stopPullers(): Promise<void> {
    const running = [...this.pullers.values()];
    this.pullers.clear();
    for (const entry of running) entry.controller.abort();
    await Promise.all(running.map((entry) => entry.loop));
  }

  /** autoSyncMasterConfig: fetch the master's server.ini (`stats config`) and take its topic sections. */
  private async syncConfig(): Promise<void> {
    const reply = await this.link!.request((opaque) => ({ kind: 'stats', item: 'config', opaque }), 10_000, 'stats config');
    await this.o.applyMasterConfig(successText(reply));
  }

  async resubscribe(): Promise<void> {
    await this.follow(undefined);
    await this.refresh();
  }

  status(): AsyncSlaveStatus {
    return {
      master: this.masterUrl,
      partitions: [...this.pullers]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([partition, { puller }]) => ({
          partition,
          end: puller.localEnd,
          masterEnd: puller.masterEnd,
          lagBytes: puller.lagBytes,
          problem: puller.problem,
        })),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.o.session.off('established', this.onChange);
    await this.stopPullers();
    await this.link?.close();
  }
}
