import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { applyRetention } from '../../src/storage/retention.js';
import { enumerateCrashes, produce, recoverAndScan } from '../support/crash-workload.js';
import type { AckedWrite } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import { openLog, silentLogger } from '../support/storage-harness.js';

const SEGMENT = 2500; // ~200 puts of ~30-50 bytes roll about 3 times

async function runWorkload(unflushThreshold: number, unflushInterval = 10_000) {
  const io = new MemoryFileIO();
  const acked: AckedWrite[] = [];
  const attempted = new Set<string>();
  const log = await openLog(io, { maxSegmentSize: SEGMENT, unflushThreshold, unflushInterval });
  const points = await enumerateCrashes(io, acked, () =>
    produce(log, 200, 4, acked, attempted, async (done) => {
      if (done === 160) await applyRetention(log, io, { kind: 'delete', maxAgeMs: -1 }, Date.now(), silentLogger);
    }),
  );
  await log.close();
  return { points, attempted, acked };
}

async function verdicts(points: Awaited<ReturnType<typeof runWorkload>>['points'], attempted: Set<string>) {
  const results = [];
  for (const point of points) {
    const { reads, minOffset, log } = await recoverAndScan(point.image, { maxSegmentSize: SEGMENT });
    await log.close();
    const present = new Set(reads.map((r) => r.payload));
    results.push({
      point,
      verdict: checkHistory(point.acked, reads, { attempted, minOffsets: new Map([[0, minOffset]]) }),
      lostCount: point.acked.filter((w) => w.offset >= minOffset && !present.has(w.payload)).length,
      syncedLost: point.acked.slice(0, point.ackedBeforeLastSync).filter((w) => w.offset >= minOffset && !present.has(w.payload)).length,
    });
  }
  return results;
}

describe('C1 power-loss enumeration, sync flush (group commit)', () => {
  it('every acked put survives every crash image; survivors are an intact prefix', async () => {
    const { points, attempted, acked } = await runWorkload(0);
    assert.ok(acked.length === 200);
    assert.ok(points.length > 400, `only ${points.length} crash images`);
    for (const { point, verdict } of await verdicts(points, attempted)) {
      assert.ok(isClean(verdict), `${point.label}: ${summarize(verdict)}`);
    }
  });

  it('negative control: acking before fsync (unflushThreshold=1000) is caught by the checker', async () => {
    const { points, attempted } = await runWorkload(1000);
    const results = await verdicts(points, attempted);
    assert.ok(
      results.some((r) => r.verdict.lost.length > 0),
      'the checker must see acked messages lost when fsync is skipped',
    );
  });
});

describe('C2 power-loss enumeration, async flush (unflushThreshold=100)', () => {
  it('loses only messages after the last completed fsync, bounded by the threshold, as a prefix', async () => {
    const { points, attempted } = await runWorkload(100, 50);
    let worst = 0;
    for (const { point, verdict, lostCount, syncedLost } of await verdicts(points, attempted)) {
      assert.equal(syncedLost, 0, `${point.label}: a message acked before the last completed fsync was lost`);
      assert.deepEqual(
        [verdict.corrupt.length, verdict.offsetGaps.length, verdict.orderViolations.length, verdict.unexpected.length, verdict.divergent.length],
        [0, 0, 0, 0, 0],
        `${point.label}: ${summarize(verdict)}`,
      );
      worst = Math.max(worst, lostCount);
    }
    // Threshold 100, plus one concurrent group acked while the triggered fsync runs.
    assert.ok(worst <= 104, `worst loss ${worst} acked messages`);
    console.log(`# C2: worst acked-but-lost on power loss with unflushThreshold=100: ${worst} messages over ${points.length} crash images`);
  });
});
