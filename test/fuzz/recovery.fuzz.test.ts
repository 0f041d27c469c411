import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { iterateRecords, isRecordIntact } from '../../src/protocol/record.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { StorageError } from '../../src/common/errors.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { writeRecoveryPoint } from '../../src/storage/recovery-point.js';
import { appendPayload, DIR, openLog, payloadFor } from '../support/storage-harness.js';
import { fuzzParameters } from './fuzz-budget.js';

const SEGMENT_SIZE = 2048;

/** A closed log of 60 messages over several segments, flushed up to message 40. */
async function buildImage(): Promise<{ io: MemoryFileIO; offsets: number[] }> {
  const io = new MemoryFileIO();
  const log = await openLog(io, { maxSegmentSize: SEGMENT_SIZE });
  const offsets: number[] = [];
  for (let i = 0; i < 60; i += 1) offsets.push(await appendPayload(log, i));
  await log.close();
  await writeRecoveryPoint(io, DIR, { flushedOffset: offsets[40]!, cleanShutdown: false });
  return { io, offsets };
}

const damage = fc.array(
  fc.record({
    kind: fc.constantFrom('flip', 'zero', 'truncate', 'garbage'),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
    seed: fc.integer({ min: 1, max: 255 }),
  }),
  { minLength: 1, maxLength: 4 },
);

describe('fuzz: recovery of damaged segments', () => {
  it('opens any damaged log, never returns a record that differs from what was written, and appends after what it kept', async () => {
    const { io, offsets } = await buildImage();
    const segments = (await io.list(DIR)).filter((name) => name.endsWith('.meta')).sort();
    await fc.assert(
      fc.asyncProperty(fc.nat(), damage, async (which, edits) => {
        const image = io.crashImage('current', (_path, pending) => ({ applied: pending, tearLast: false }));
        const path = `${DIR}/${segments[which % segments.length]!}`;
        let content = Buffer.from((await image.readFile(path))!);
        for (const edit of edits) {
          const at = content.length === 0 ? 0 : edit.at % content.length;
          if (edit.kind === 'truncate') content = content.subarray(0, at);
          else if (edit.kind === 'garbage') content = Buffer.concat([content, Buffer.alloc(edit.length, edit.seed)]);
          else for (let i = at; i < Math.min(content.length, at + edit.length); i += 1) content[i] = edit.kind === 'zero' ? 0 : content[i]! ^ edit.seed;
        }
        const file = await image.open(path, 'write');
        await file.truncate(0);
        await file.write(content, 0);
        await file.close();

        let log: PartitionLog;
        try {
          log = await openLog(image, { maxSegmentSize: SEGMENT_SIZE });
        } catch (error) {
          // A sealed segment cut short leaves a gap: refusing to open, saying so, is the answer.
          if (error instanceof StorageError && /not contiguous/.test(error.message)) return;
          throw error;
        }
        // Read everything readable; a damaged range may be refused, but never returned wrong.
        let offset = log.minOffset;
        while (offset < log.writtenEnd) {
          let bytes: Buffer;
          try {
            bytes = await log.read(offset, 64 * 1024);
          } catch {
            const next = offsets.find((o) => o > offset);
            if (next === undefined) break;
            offset = next; // skip the refused record, as a consumer told of corruption would
            continue;
          }
          let advanced = 0;
          for (const record of iterateRecords(bytes)) {
            const at = offset + record.position;
            const seq = offsets.indexOf(at);
            // MetaQ's checksum covers the payload only: a header whose length and checksum were
            // both zeroed reads as an intact empty message (docs/storage.md). Nothing here is empty.
            if (isRecordIntact(record) && record.payload.length > 0) {
              assert.ok(seq >= 0, `an intact record at ${at}, where none was written`);
              assert.deepEqual(record.payload, payloadFor(seq), `the record at ${at} is the one written there`);
            }
            advanced = record.position + record.size;
          }
          if (advanced === 0) {
            const next = offsets.find((o) => o > offset);
            if (next === undefined) break;
            offset = next;
          } else offset += advanced;
        }
        // Whatever was cut, the next append lands at the end recovery settled on.
        const end = log.writtenEnd;
        assert.equal(await appendPayload(log, 1000), end);
        await log.close();
      }),
      fuzzParameters(),
    );
  });
});
