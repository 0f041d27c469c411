import { readMoves } from '../../coordination/zk/reassignments.js';
import type { MoveState } from '../../coordination/zk/reassignments.js';
import type { ZkSession } from '../../coordination/zk/zk-session.js';
import type { MetaZnodes } from '../../coordination/zk/znodes.js';

export interface MoveView {
  topic: string;
  /** `<broker>-<partition>`, as offset nodes name partitions. */
  from: string;
  /** `<broker>-<partition>`, or `<broker>` alone before the target chose its partition number. */
  to: string;
  state: MoveState;
  /** Bytes the target holds since the copy started (targetEnd − sourceStart), when both are known. */
  copiedBytes: number | null;
  /** Bytes to copy (sourceEnd − sourceStart), when both are known; final once the source is fenced. */
  totalBytes: number | null;
  problem: string | null;
  updated: string;
}

/** Partition moves recorded in ZooKeeper that are not done yet, in the record's order (topic, source partition). */
export async function readMovesInProgress(session: ZkSession, znodes: MetaZnodes): Promise<MoveView[]> {
  return (await readMoves(session, znodes))
    .filter((m) => m.state !== 'done')
    .map((m) => {
      const start = m.sourceStart;
      return {
        topic: m.topic,
        from: `${m.source.broker}-${m.source.partition}`,
        to: m.target.partition === undefined ? String(m.target.broker) : `${m.target.broker}-${m.target.partition}`,
        state: m.state,
        copiedBytes: start !== undefined && m.targetEnd !== undefined ? Math.max(0, m.targetEnd - start) : null,
        totalBytes: start !== undefined && m.sourceEnd !== undefined ? Math.max(0, m.sourceEnd - start) : null,
        problem: m.problem ?? null,
        updated: m.updated,
      };
    });
}
