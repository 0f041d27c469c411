import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import { StorageError } from '../../src/common/errors.js';
import type { InjectedFault } from '../../src/storage/io/memory-file-io.js';
import { errnoError, MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { recoverAndScan } from '../support/crash-workload.js';
import type { AckedWrite } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import { openLog } from '../support/storage-harness.js';
import { appendRecord } from '../../src/storage/append-promise.js';

const SEGMENT = 4000;
const PUTS = 500;

/** Run 500 puts (in groups of 25) with one fault injected at the n-th write or fsync of a segment. */
async function run(target: 'write' | 'datasync', index: number, fault: (op: { length?: number }) => InjectedFault) {
  const io = new MemoryFileIO();
  const log = await openLog(io, { maxSegmentSize: SEGMENT, unflushThreshold: 0 });
  let seen = 0;
  let injected = false;
  io.faults = (op) => {
    if (op.type !== target || !op.path.endsWith('.meta')) return undefined;
    if (seen++ !== index) return undefined;
    injected = true;
    return fault(op);
  };
  const acked: AckedWrite[] = [];
  const failed: string[] = [];
  const attempted = new Set<string>();
  for (let start = 0; start < PUTS; start += 25) {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => {
        const payload = `p1:${start + i}:${'x'.repeat((start + i) % 31)}`;
        attempted.add(payload);
        return appendRecord(log, Buffer.from(payload), 0, BigInt(start + i + 1), checksum(Buffer.from(payload))).then(
          (offset) => void acked.push({ payload, partition: 0, offset }),
          (error: unknown) => {
            assert.ok(error instanceof StorageError, String(error));
            failed.push(payload);
          },
        );
      }),
    );
  }
  return { io, log, acked, failed, attempted, injected, calls: seen };
}

async function checkRestart(io: MemoryFileIO, acked: AckedWrite[], attempted: Set<string>, label: string): Promise<void> {
  const image = io.crashImage('current', (_p, n) => ({ applied: n, tearLast: false }));
  const { reads, log } = await recoverAndScan(image, { maxSegmentSize: SEGMENT });
  const verdict = checkHistory(acked, reads, { attempted });
  assert.ok(isClean(verdict), `${label}: ${summarize(verdict)}`);
  await log.close();
}

describe('C4 ENOSPC and EIO at every write and fsync', () => {
  it('ENOSPC on a write (half of it landed): that batch fails, the log is cut back, later puts succeed', async () => {
    const { calls } = await run('write', -1, () => ({ error: errnoError('ENOSPC', 'x') }));
    for (let index = 0; index < calls; index += 1) {
      const r = await run('write', index, (op) => ({ error: errnoError('ENOSPC', 'no space left on device'), writtenBytes: Math.floor((op.length ?? 0) / 2) }));
      assert.ok(r.injected);
      assert.ok(r.failed.length > 0 && r.failed.length <= 25, `write ${index}: ${r.failed.length} failed`);
      assert.equal(r.acked.length + r.failed.length, PUTS);
      assert.equal(r.log.fenced, undefined, 'disk full does not fence');
      const failedSet = new Set(r.failed);
      assert.ok(!r.acked.some((w) => failedSet.has(w.payload)), 'a failed put is never acked');
      await checkRestart(r.io, r.acked, r.attempted, `ENOSPC at write ${index}`);
      await r.log.close();
    }
  });

  it('ENOSPC while creating the next segment keeps the partition writable and rolls later', async () => {
    const io = new MemoryFileIO();
    const log = await openLog(io, { maxSegmentSize: 300, unflushThreshold: 0 });
    let refusals = 2;
    io.faults = (op) =>
      op.type === 'open' && op.path.endsWith('.meta') && refusals-- > 0 ? { error: errnoError('ENOSPC', 'no space left on device') } : undefined;
    const acked: AckedWrite[] = [];
    const attempted = new Set<string>();
    for (let seq = 0; seq < 40; seq += 1) {
      const payload = `p1:${seq}:roll`;
      attempted.add(payload);
      acked.push({ payload, partition: 0, offset: await appendRecord(log, Buffer.from(payload), 0, BigInt(seq + 1), checksum(Buffer.from(payload))) });
    }
    assert.equal(log.fenced, undefined);
    assert.ok(log.sealedSegments().length >= 2, 'segments rolled once the disk had room');
    await checkRestart(io, acked, attempted, 'ENOSPC at roll');
    await log.close();
  });

  for (const target of ['write', 'datasync'] as const) {
    it(`EIO on ${target}: the waiting puts fail, the partition is fenced, restart recovers every acked put`, async () => {
      const { calls } = await run(target, -1, () => ({ error: errnoError('EIO', 'x') }));
      for (let index = 0; index < calls; index += 1) {
        const r = await run(target, index, () => ({ error: errnoError('EIO', 'input/output error') }));
        assert.ok(r.injected);
        assert.ok(r.log.fenced instanceof StorageError);
        assert.equal(r.acked.length + r.failed.length, PUTS);
        const failedSet = new Set(r.failed);
        assert.ok(!r.acked.some((w) => failedSet.has(w.payload)), 'a failed put is never acked');
        assert.ok(
          r.acked.every((w) => w.offset + 20 <= r.log.visibleEnd),
          'everything acked was fsynced',
        );
        await checkRestart(r.io, r.acked, r.attempted, `EIO at ${target} ${index}`);
        await r.log.close();
      }
    });
  }
});
