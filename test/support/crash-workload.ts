import { checksum } from '../../src/common/checksum.js';
import type { MemoryFileIO, UnsyncedChoice } from '../../src/storage/io/memory-file-io.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import type { AckedWrite, ReadRecord } from './history-checker.js';
import { openLog, scanAll } from './storage-harness.js';
import { appendRecord } from '../../src/storage/append-promise.js';

/** A disk image a crash could leave, with what producers had been told at that instant. */
export interface CrashPoint {
  image: MemoryFileIO;
  acked: AckedWrite[];
  label: string;
  /** Acked writes known to be covered by a completed fsync of their segment. */
  ackedBeforeLastSync: number;
}

const variants: Array<{ name: string; namespace: 'durable' | 'current'; choose: (path: string, pending: number) => UnsyncedChoice }> = [
  { name: 'synced only', namespace: 'durable', choose: () => ({ applied: 0, tearLast: false }) },
  { name: 'all unsynced, last torn', namespace: 'durable', choose: (_p, n) => ({ applied: n, tearLast: true }) },
  { name: 'half unsynced', namespace: 'current', choose: (_p, n) => ({ applied: Math.ceil(n / 2), tearLast: false }) },
  { name: 'everything', namespace: 'current', choose: (_p, n) => ({ applied: n, tearLast: false }) },
];

/** Record crash images after every file-system operation while `work` runs. */
export async function enumerateCrashes(io: MemoryFileIO, acked: AckedWrite[], work: () => Promise<void>): Promise<CrashPoint[]> {
  const points: CrashPoint[] = [];
  let ackedBeforeLastSync = 0;
  let step = 0;
  io.afterOperation = (op) => {
    step += 1;
    if (op.type === 'datasync' && op.path.endsWith('.meta')) ackedBeforeLastSync = acked.length;
    for (const variant of variants) {
      points.push({
        image: io.crashImage(variant.namespace, variant.choose),
        acked: [...acked],
        label: `after op ${step} (${op.type} ${op.path}), ${variant.name}`,
        ackedBeforeLastSync,
      });
    }
  };
  try {
    await work();
  } finally {
    io.afterOperation = undefined;
  }
  return points;
}

/** Reopen a crash image (full recovery) and read every record back. */
export async function recoverAndScan(
  image: MemoryFileIO,
  options: { maxSegmentSize: number },
): Promise<{ reads: ReadRecord[]; minOffset: number; log: PartitionLog }> {
  const log = await openLog(image, { maxSegmentSize: options.maxSegmentSize });
  return { reads: await scanAll(log), minOffset: log.minOffset, log };
}

/** Append `producer:seq` payloads in concurrent groups, recording acks as they arrive. */
export async function produce(
  log: PartitionLog,
  count: number,
  group: number,
  acked: AckedWrite[],
  attempted: Set<string>,
  between?: (done: number) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < count; start += group) {
    const sends = [];
    for (let seq = start; seq < Math.min(count, start + group); seq += 1) {
      const payload = Buffer.from(`p1:${seq}:${'v'.repeat(seq % 23)}`);
      attempted.add(payload.toString());
      sends.push(
        appendRecord(log, payload, 0, BigInt(seq + 1), checksum(payload)).then(
          (offset) => void acked.push({ payload: payload.toString(), partition: 0, offset }),
          () => undefined,
        ),
      );
    }
    await Promise.all(sends);
    await between?.(Math.min(count, start + group));
  }
}
