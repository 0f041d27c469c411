import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { RetentionPolicy } from '../../src/storage/retention.js';
import { applyRetention } from '../../src/storage/retention.js';
import { DIR, openLog, silentLogger } from '../support/storage-harness.js';
import { enumerateCrashes, produce, recoverAndScan } from '../support/crash-workload.js';
import type { AckedWrite } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';

const SEGMENT = 1200;

for (const policy of [
  { kind: 'delete', maxAgeMs: -1 },
  { kind: 'archive', maxAgeMs: -1, compress: false },
  { kind: 'archive', maxAgeMs: -1, compress: true },
] satisfies RetentionPolicy[]) {
  describe(`C3 crash during roll, recovery-point checkpoint and ${policy.kind}${'compress' in policy && policy.compress ? ' (zip)' : ''}`, () => {
    it('restart completes or rolls back each step; no temp files remain; only retention removes offsets', async () => {
      const io = new MemoryFileIO();
      const acked: AckedWrite[] = [];
      const attempted = new Set<string>();
      const log = await openLog(io, { maxSegmentSize: SEGMENT });
      const points = await enumerateCrashes(io, acked, () =>
        produce(log, 90, 3, acked, attempted, async (done) => {
          if (done === 60) await applyRetention(log, io, policy, Date.now(), silentLogger);
        }),
      );
      await log.close();
      assert.ok(points.length > 200);
      for (const point of points) {
        const { reads, minOffset, log: recovered } = await recoverAndScan(point.image, { maxSegmentSize: SEGMENT });
        const names = await point.image.list(DIR);
        assert.deepEqual(
          names.filter((n) => n.endsWith('.tmp')),
          [],
          `${point.label}: temp files left`,
        );
        assert.ok(!names.some((n) => n.endsWith('.meta') && names.includes(`${n}.zip`)), `${point.label}: archive half done`);
        const verdict = checkHistory(point.acked, reads, { attempted, minOffsets: new Map([[0, minOffset]]) });
        assert.ok(isClean(verdict), `${point.label}: ${summarize(verdict)}`);
        // An offset disappears only by retention: whatever is below minOffset was archived or deleted.
        if (minOffset > 0)
          assert.ok(
            point.acked.some((w) => w.offset < minOffset),
            `${point.label}: min offset moved without retention`,
          );
        await recovered.close();
      }
      if (policy.kind === 'archive') {
        const names = await io.list(DIR);
        assert.ok(
          names.some((n) => n.endsWith(policy.compress ? '.meta.zip' : '.meta.arc')),
          `archive file present: ${names.join(',')}`,
        );
      }
    });
  });
}
