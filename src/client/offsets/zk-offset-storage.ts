import { formatOffsetNode, MetaZnodes, parseOffsetNode } from '../../coordination/zk/znodes.js';
import { isNodeExists } from '../../coordination/zk/zk-session.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { Partition } from '../message.js';
import { partitionName } from '../message.js';
import type { OffsetInfo, OffsetStorage, StoredOffset } from './offset-storage.js';

/**
 * Offsets in ZooKeeper as MetaQ keeps them (docs/cluster.md): persistent nodes
 * `/consumers/<group>/offsets/<topic>/<brokerId>-<partition>` holding `<msgId>-<offset>`; legacy
 * plain offsets are read too. Java consumers of the same group read what this writes.
 */
export class ZkOffsetStorage implements OffsetStorage {
  private readonly znodes: MetaZnodes;

  constructor(
    private readonly session: ZkSession,
    root = '/meta',
  ) {
    this.znodes = new MetaZnodes(root);
  }

  async load(topic: string, group: string, partition: Partition): Promise<StoredOffset | undefined> {
    const data = await this.session.getData(this.znodes.offset(group, topic, partitionName(partition)));
    return data === undefined ? undefined : parseOffsetNode(data);
  }

  async initOffset(topic: string, group: string, partition: Partition, offset: number): Promise<void> {
    try {
      await this.session.create(this.znodes.offset(group, topic, partitionName(partition)), formatOffsetNode(-1n, offset), 'persistent');
    } catch (error) {
      if (!isNodeExists(error)) throw error; // keep an existing position
    }
  }

  async commit(group: string, infos: readonly OffsetInfo[]): Promise<void> {
    for (const info of infos) {
      await this.session.writePersistent(this.znodes.offset(group, info.topic, partitionName(info.partition)), formatOffsetNode(info.msgId, info.offset));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
