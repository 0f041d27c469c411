import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { IoOperation } from '../../src/storage/io/memory-file-io.js';
import { readRecoveryPoint } from '../../src/storage/recovery-point.js';
import { eventually } from '../support/eventually.js';
import { appendPayload, DIR, openLog, scanAll } from '../support/storage-harness.js';

/** Recovery-point files renamed into place while `work` runs (each costs two fsyncs). */
async function pointWrites(io: MemoryFileIO, work: () => Promise<void>): Promise<number> {
  let writes = 0;
  io.afterOperation = (op: IoOperation) => {
    if (op.type === 'rename' && op.path.includes('.recovery-point')) writes += 1;
  };
  await work();
  io.afterOperation = undefined;
  return writes;
}

describe('recovery point at start and stop', () => {
  it('a log untouched since a clean stop starts and stops without rewriting its recovery point', async () => {
    const io = new MemoryFileIO();
    await io.mkdirp(DIR);
    const first = await openLog(io, { unflushThreshold: 0 });
    for (let seq = 0; seq < 3; seq += 1) await appendPayload(first, seq);
    await first.close();
    const end = (await readRecoveryPoint(io, DIR))!;
    assert.equal(end.cleanShutdown, true);

    // Thousands of partitions restarted: no fsyncs for the ones nobody writes to.
    assert.equal(await pointWrites(io, async () => (await openLog(io, { unflushThreshold: 0 })).close()), 0);
    assert.deepEqual(await readRecoveryPoint(io, DIR), end);

    // A log written after a clean start records the new flushed end, unclean, then clean at stop.
    const written = await openLog(io, { unflushThreshold: 0 });
    await appendPayload(written, 3);
    await eventually(async () => (await readRecoveryPoint(io, DIR))?.cleanShutdown === false, 'the first flush marking the log unclean');
    await written.close();
    assert.deepEqual(await readRecoveryPoint(io, DIR), { flushedOffset: written.writtenEnd, cleanShutdown: true });
    const reopened = await openLog(io, { unflushThreshold: 0 });
    assert.equal((await scanAll(reopened)).length, 4);
    await reopened.close();
  });

  it('a log found after a crash (recovery point behind its end) records its recovered end at once', async () => {
    const io = new MemoryFileIO();
    await io.mkdirp(DIR);
    const log = await openLog(io, { unflushThreshold: 0 });
    await appendPayload(log, 0);
    const crashed = io.crashImage('current', () => ({ applied: Number.MAX_SAFE_INTEGER, tearLast: false }));
    await log.close();
    assert.equal(await pointWrites(crashed, async () => void (await openLog(crashed, { unflushThreshold: 0 }))), 1);
    assert.equal((await readRecoveryPoint(crashed, DIR))?.cleanShutdown, false);
  });
});
