import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { applyRetention } from '../../src/storage/retention.js';
import { appendPayload, openLog, payloadFor, scanAll, silentLogger } from '../support/storage-harness.js';

type Action = { kind: 'append'; count: number } | { kind: 'read'; pick: number } | { kind: 'flush' } | { kind: 'reopen' } | { kind: 'deleteOld' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), pick: fc.nat() }) },
  fc.constant({ kind: 'flush' as const }),
  fc.constant({ kind: 'reopen' as const }),
  fc.constant({ kind: 'deleteOld' as const }),
);

describe('P3 partition log against a model', () => {
  it('reads equal the model, offsets are byte positions, reopening keeps the state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), fc.boolean(), async (actions, groupCommit) => {
        const io = new MemoryFileIO();
        const options = { maxSegmentSize: 300, unflushThreshold: groupCommit ? 0 : 3 };
        let log: PartitionLog = await openLog(io, options);
        const model: Array<{ offset: number; payload: string }> = [];
        let end = 0;
        let minOffset = 0;
        let seq = 0;
        for (const step of actions) {
          if (step.kind === 'append') {
            const offsets = await Promise.all(Array.from({ length: step.count }, () => appendPayload(log, seq++)));
            for (const [i, offset] of offsets.entries()) {
              const payload = payloadFor(seq - step.count + i).toString();
              assert.equal(offset, end, 'offset is the byte position after the previous record');
              model.push({ offset, payload });
              end += 20 + Buffer.byteLength(payload);
            }
          } else if (step.kind === 'read' && model.length > 0) {
            const live = model.filter((r) => r.offset >= minOffset);
            if (live.length === 0) continue;
            const target = live[step.pick % live.length]!;
            const [first] = await scanAll(log, target.offset).then((records) => records.slice(0, 1));
            assert.equal(first?.payload, target.payload);
          } else if (step.kind === 'flush') {
            await log.flush();
            assert.equal(log.visibleEnd, end);
          } else if (step.kind === 'reopen') {
            await log.close();
            log = await openLog(io, options);
          } else if (step.kind === 'deleteOld') {
            await applyRetention(log, io, { kind: 'delete', maxAgeMs: -1 }, Date.now(), silentLogger);
            minOffset = log.minOffset;
          }
          assert.equal(log.writtenEnd, end);
          assert.equal(log.minOffset, minOffset);
        }
        const scanned = await scanAll(log);
        assert.deepEqual(
          scanned.map(({ offset, payload }) => ({ offset, payload })),
          model.filter((r) => r.offset >= minOffset),
        );
        await log.close();
      }),
      { numRuns: 150 },
    );
  });
});
