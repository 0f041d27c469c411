import { moveFault } from '../../common/move-faults.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import { isBadVersion, isNodeExists } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';
import { formatOffsetNode, parseOffsetNode } from '../../coordination/zk/znodes.js';

/**
 * Consumer groups' offsets across an online move (docs/cluster.md, moving partitions). The copy
 * holds the same bytes at the same offsets, so an offset of the old partition is valid in the new
 * one unchanged. A metaq consumer taking the new partition waits for the old one's owner to leave
 * and starts from the later of both offsets; these carry the offsets over for every other client
 * (Java MetaQ consumers read only their own partition's node).
 */

/** Groups with an owner node for the partition (a consumer still reading it). */
export async function groupsOwning(session: ZkSession, znodes: MetaZnodes, topic: string, partition: string): Promise<string[]> {
  const owning: string[] = [];
  for (const group of await session.getChildren(`${znodes.root}/consumers`)) {
    if ((await session.getData(znodes.owner(group, topic, partition))) !== undefined) owning.push(group);
  }
  return owning.sort();
}

/**
 * For every group with an offset for `from`: set `to` to it, unless `to` already holds a later
 * one (its owner read on from there). Returns how many groups were written.
 */
export async function carryOffsets(session: ZkSession, znodes: MetaZnodes, topic: string, from: string, to: string): Promise<number> {
  let written = 0;
  if (moveFault('offsetsNotCarried')) return written;
  for (const group of await session.getChildren(`${znodes.root}/consumers`)) {
    const old = await session.getData(znodes.offset(group, topic, from));
    const source = old === undefined ? undefined : parseOffsetNode(old);
    if (source === undefined) continue;
    if (await raiseOffset(session, znodes.offset(group, topic, to), formatOffsetNode(source.msgId, source.offset), source.offset)) written += 1;
  }
  return written;
}

/** Write `data` unless the node holds an offset at least `offset`; versioned, so a consumer's commit in between is never overwritten. */
async function raiseOffset(session: ZkSession, path: string, data: string, offset: number): Promise<boolean> {
  for (;;) {
    const current = await session.getVersioned(path);
    const there = current === undefined ? undefined : parseOffsetNode(current.data);
    if (there !== undefined && there.offset >= offset) return false;
    try {
      if (current === undefined) await session.create(path, data, 'persistent');
      else await session.setData(path, data, current.version);
      return true;
    } catch (error) {
      if (!isNodeExists(error) && !isBadVersion(error)) throw error;
    }
  }
}
