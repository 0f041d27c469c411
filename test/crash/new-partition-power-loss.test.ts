import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { enumerateCrashes, produce, recoverAndScan } from '../support/crash-workload.js';
import type { CrashPoint } from '../support/crash-workload.js';
import type { AckedWrite } from '../support/history-checker.js';
import { DIR, openLog } from '../support/storage-harness.js';

const SEGMENT = 1024 * 1024;

/** A file system whose directory fsyncs do nothing above the partition: a broker that never made its new directory durable. */
class ForgetsParentSync extends MemoryFileIO {
  override syncDir(dir: string): Promise<void> {
    return DIR.startsWith(`${dir === '/' ? '' : dir}/`) ? Promise.resolve() : super.syncDir(dir);
  }
}

/** Crash images from the creation of a new partition (its directory and first segment) through its first acked puts. */
async function firstPuts(io: MemoryFileIO): Promise<CrashPoint[]> {
  const acked: AckedWrite[] = [];
  let close = (): Promise<void> => Promise.resolve();
  const points = await enumerateCrashes(io, acked, async () => {
    const log = await openLog(io, { maxSegmentSize: SEGMENT });
    close = () => log.close();
    await produce(log, 3, 1, acked, new Set());
  });
  await close();
  assert.equal(acked.length, 3);
  return points;
}

/** Acked puts a crash image lost. */
async function lost(point: CrashPoint): Promise<string[]> {
  const { reads, log } = await recoverAndScan(point.image, { maxSegmentSize: SEGMENT });
  await log.close();
  const present = new Set(reads.map((r) => r.payload));
  return point.acked.map((w) => w.payload).filter((payload) => !present.has(payload));
}

describe('power loss around a new partition directory', () => {
  it('every acked first put of a new partition survives every crash image, directory entries included', async () => {
    const points = await firstPuts(new MemoryFileIO());
    assert.ok(
      points.some((p) => p.label.includes('mkdir')),
      'crash images right after mkdir are among them',
    );
    for (const point of points) assert.deepEqual(await lost(point), [], point.label);
  });

  it('negative control: without the fsync of the parent directory the model loses the acked puts with the directory', async () => {
    const points = await firstPuts(new ForgetsParentSync());
    const losses = await Promise.all(points.map(lost));
    assert.ok(
      losses.some((l) => l.length > 0),
      'a crash image must lose the new directory and the acked puts in it',
    );
  });
});
