import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import { idTimeMs } from '../../src/common/id-generator.js';
import { encodeRecord } from '../../src/protocol/record.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { openLog } from '../support/storage-harness.js';
import { appendRecord } from '../../src/storage/append-promise.js';

const EPOCH_MS = 1303895660503;
const T0 = Date.parse('2026-11-24T10:00:00Z');

/** An id as the broker stamps it: appended at `timeMs`, with a sequence number in that millisecond. */
const idAt = (timeMs: number, sequence = 0): bigint => (BigInt(timeMs - EPOCH_MS) << 22n) | BigInt(sequence);

/** Append one message per time, one at a time, each about `size` bytes; returns their offsets. */
async function appendAt(log: PartitionLog, times: number[], size = 200): Promise<number[]> {
  const offsets: number[] = [];
  for (const [n, time] of times.entries()) {
    const payload = Buffer.alloc(size, n % 251);
    offsets.push(await appendRecord(log, payload, 0, idAt(time, n % 4096), checksum(payload)));
  }
  return offsets;
}

/** The answer by brute force: the first message appended at or after `time`. */
function expected(times: number[], offsets: number[], time: number, end: number): number {
  const n = times.findIndex((t) => t >= time);
  return n < 0 ? end : offsets[n]!;
}

describe('seek by time (PartitionLog.offsetForTime)', () => {
  it('finds the first message appended at or after a time, across segments, and again after a restart', async () => {
    const io = new MemoryFileIO();
    let log = await openLog(io, { maxSegmentSize: 256 * 1024 });
    const times = Array.from({ length: 4000 }, (_, n) => T0 + n * 5 + (n % 3)); // 20 s of messages, 4 segments of 4 index entries each
    const offsets = await appendAt(log, times);
    const probes = [T0 - 60_000, T0, T0 + 1, T0 + 5_005, T0 + 12_340, T0 + 19_990, T0 + 19_999, T0 + 3_600_000];
    for (const probe of probes) assert.equal(await log.offsetForTime(probe), expected(times, offsets, probe, log.writtenEnd), `time ${probe - T0} ms`);
    const end = log.writtenEnd;
    await log.close();
    // After a restart the index is rebuilt from the segments, the first lookup that needs it.
    log = await openLog(io, { maxSegmentSize: 256 * 1024 });
    for (const probe of probes) assert.equal(await log.offsetForTime(probe), expected(times, offsets, probe, end), `after restart, time ${probe - T0} ms`);
    await log.close();
  });

  it('never answers past a matching message when append times step back (a clock set back between runs)', async () => {
    const io = new MemoryFileIO();
    const log = await openLog(io);
    // First run up to T0+10 s, then the broker restarted with its clock 5 s behind.
    const times = [...Array.from({ length: 500 }, (_, n) => T0 + n * 20), ...Array.from({ length: 500 }, (_, n) => T0 + 5_000 + n * 20)];
    const offsets = await appendAt(log, times);
    for (const probe of [T0, T0 + 4_000, T0 + 6_000, T0 + 9_990, T0 + 12_000, T0 + 14_980]) {
      assert.equal(await log.offsetForTime(probe), expected(times, offsets, probe, log.writtenEnd), `time ${probe - T0} ms`);
    }
    await log.close();
  });

  it('follows batched (framed) appends by the time their writer gives, and scans what it was not told', async () => {
    const io = new MemoryFileIO();
    const log = await openLog(io);
    const times = Array.from({ length: 300 }, (_, n) => T0 + n * 7);
    const set = (from: number, to: number): Buffer =>
      Buffer.concat(times.slice(from, to).map((time, n) => encodeRecord(Buffer.alloc(100, n), idAt(time, n), 0)));
    const offsets: number[] = [];
    const appendSet = (from: number, to: number, latest: number | undefined): Promise<void> =>
      new Promise((resolve, reject) => {
        const bytes = set(from, to);
        log.append({
          kind: 'framed',
          set: bytes,
          records: to - from,
          latestTimeMs: latest,
          done: (error, offset) => {
            if (error) return reject(error);
            for (let n = from, at = offset; n < to; n += 1, at += 120) offsets.push(at);
            resolve();
          },
        });
      });
    await appendSet(0, 100, times[99]);
    await appendSet(100, 200, undefined); // a slave's copy: no time given, the index must read it
    await appendSet(200, 300, times[299]);
    for (const probe of [T0, T0 + 350, T0 + 700, T0 + 1_050, T0 + 1_400, T0 + 2_093, T0 + 2_094]) {
      assert.equal(await log.offsetForTime(probe), expected(times, offsets, probe, log.writtenEnd), `time ${probe - T0} ms`);
    }
    assert.equal(idTimeMs(idAt(T0 + 5)), T0 + 5);
    await log.close();
  });
});
