import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { writeRecoveryPoint } from '../../src/storage/recovery-point.js';
import { segmentFileName } from '../../src/storage/segment-name.js';
import { appendPayload, DIR, openLog, scanAll } from '../support/storage-harness.js';

const SEGMENT = `${DIR}/${segmentFileName(0)}`;

/** A closed log of 10 messages whose last three are after the recovery point (never flushed). */
async function buildImage(): Promise<{ io: MemoryFileIO; offsets: number[]; end: number }> {
  const io = new MemoryFileIO();
  const log = await openLog(io);
  const offsets: number[] = [];
  for (let i = 0; i < 10; i += 1) offsets.push(await appendPayload(log, i));
  const end = log.writtenEnd;
  await log.close();
  await writeRecoveryPoint(io, DIR, { flushedOffset: offsets[7]!, cleanShutdown: false });
  return { io, offsets, end };
}

function copy(io: MemoryFileIO): MemoryFileIO {
  return io.crashImage('current', (_path, pending) => ({ applied: pending, tearLast: false }));
}

async function damage(io: MemoryFileIO, mutate: (content: Buffer) => Buffer): Promise<void> {
  const content = (await io.readFile(SEGMENT))!;
  const file = await io.open(SEGMENT, 'write');
  const next = mutate(content);
  await file.truncate(0);
  await file.write(next, 0);
  await file.close();
}

/** Records that survive must be the longest intact prefix; the next append lands at its end. */
async function checkRecovery(io: MemoryFileIO, offsets: number[], end: number, damagedFrom: number): Promise<void> {
  const damagedLength = (await io.stat(SEGMENT))!.size;
  const log = await openLog(io);
  const expected = offsets.filter((offset, i) => (offsets[i + 1] ?? end) <= damagedFrom);
  const keptEnd = expected.length === 0 ? 0 : (offsets[expected.length] ?? end);
  assert.deepEqual(
    (await scanAll(log)).map((r) => r.offset),
    expected,
    `damage at ${damagedFrom}`,
  );
  assert.equal(log.writtenEnd, keptEnd);
  assert.equal(log.recovery.truncatedBytes, damagedLength - keptEnd, 'the truncated byte count is reported');
  assert.equal(await appendPayload(log, 99), keptEnd, 'next append lands at the recovered end');
  await log.close();
}

describe('P4 recovery on arbitrary damage to the tail', () => {
  it('truncation at every byte of the last three messages keeps the longest valid prefix', async () => {
    const { io, offsets, end } = await buildImage();
    for (let cut = offsets[7]!; cut < end; cut += 1) {
      const image = copy(io);
      await damage(image, (content) => content.subarray(0, cut));
      await checkRecovery(image, offsets, end, cut);
    }
  });

  for (const [name, fill] of [
    ['zeros', (n: number) => Buffer.alloc(n)],
    ['random bytes', (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + 17) % 251))],
  ] as const) {
    it(`overwriting with ${name} from every offset keeps the longest valid prefix`, async () => {
      const { io, offsets, end } = await buildImage();
      for (let from = offsets[7]!; from < end; from += 1) {
        const image = copy(io);
        await damage(image, (content) => Buffer.concat([content.subarray(0, from), fill(content.length - from)]));
        await checkRecovery(image, offsets, end, from);
      }
    });
  }
});
