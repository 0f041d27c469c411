import type { ZkSession } from './zk-session.js';
import type { MetaZnodes } from './znodes.js';

export interface OffsetCopy {
  group: string;
  from: string;
  to: string;
  data: string;
}

/**
 * MetaQ's CopyOffsetInZk (docs/operations.md): for every consumer group, copy the offset nodes of partitions
 * `<source>-<start..end>` of a topic to `<target>-<targetStart…>`, so groups resume where they
 * were after partitions moved to another broker. Groups without an offset for a partition are
 * left alone there.
 */
export async function copyOffsets(
  session: ZkSession,
  znodes: MetaZnodes,
  spec: { topic: string; source: number; target: number; start: number; end: number; targetStart?: number },
  progress?: (copy: OffsetCopy) => void,
): Promise<OffsetCopy[]> {
  const copies: OffsetCopy[] = [];
  const targetStart = spec.targetStart ?? spec.start;
  for (const group of (await session.getChildren(`${znodes.root}/consumers`)).sort()) {
    for (let i = spec.start; i <= spec.end; i += 1) {
      const from = `${spec.source}-${i}`;
      const to = `${spec.target}-${targetStart + i - spec.start}`;
      const data = await session.getData(znodes.offset(group, spec.topic, from));
      if (data === undefined) continue;
      await session.writePersistent(znodes.offset(group, spec.topic, to), data);
      const copy = { group, from, to, data };
      copies.push(copy);
      progress?.(copy);
    }
  }
  return copies;
}
