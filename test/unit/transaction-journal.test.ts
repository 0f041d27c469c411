import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { JournalRecord } from '../../src/storage/tx-journal-codec.js';
import { decodeJournalRecord, encodeJournalRecord, locationOffsetPosition } from '../../src/storage/tx-journal-codec.js';
import { TransactionJournal } from '../../src/storage/transaction-journal.js';
import { silentLogger } from '../support/storage-harness.js';

const DIR = '/data/transactions';
const open = (io: MemoryFileIO, maxFileSize?: number) =>
  TransactionJournal.open({ dir: DIR, io, logger: silentLogger, flushMode: 1, maxCheckpoints: 3, maxFileSize });
const append = (id: bigint, key = 'TX:s:1'): JournalRecord => ({
  kind: 'append',
  messageId: id,
  putFrame: Buffer.from(`put t 0 1 0 -1 ${key} 1\r\nx`),
  force: false,
});
const commit = (key = 'TX:s:1'): JournalRecord => ({
  kind: 'operation',
  type: 'LOCAL_COMMIT',
  wasPrepared: false,
  txKey: key,
  locations: [{ offset: -1, length: 21, checksum: 7, partition: 'tëst-0' }],
  force: true,
});

describe('transaction journal codec', () => {
  it('round-trips appends with 64-bit ids and operations with their location attachment', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.uint8Array({ maxLength: 64 }),
        fc.array(
          fc.record(
            { offset: fc.integer({ min: -1e12, max: 1e12 }), length: fc.nat(), checksum: fc.nat(), partition: fc.string({ minLength: 1, maxLength: 12 }) },
            { noNullPrototype: true },
          ),
          { maxLength: 4 },
        ),
        (id, frame, locations) => {
          const records: JournalRecord[] = [
            { kind: 'append', messageId: id, putFrame: Buffer.from(frame), force: false },
            { kind: 'operation', type: 'XA_COMMIT', wasPrepared: true, txKey: 'XID:1:0a:0b:app', locations, force: true },
          ];
          for (const record of records) {
            const bytes = encodeJournalRecord(record);
            assert.deepEqual(decodeJournalRecord(bytes, 0), { record, size: bytes.length });
          }
        },
      ),
    );
  });

  it('finds where a location offset sits in an encoded commit, so it can be fixed in place', () => {
    const record = commit();
    if (record.kind !== 'operation') throw new Error('unreachable');
    record.locations.push({ offset: -1, length: 5, checksum: 1, partition: 'b-1' });
    const bytes = encodeJournalRecord(record);
    bytes.writeBigInt64BE(4242n, locationOffsetPosition(bytes, 1));
    const decoded = decodeJournalRecord(bytes, 0)?.record;
    assert.equal(decoded?.kind === 'operation' && decoded.locations[1]!.offset, 4242);
    assert.equal(decoded?.kind === 'operation' && decoded.locations[0]!.partition, 'tëst-0', 'non-ASCII names keep their bytes');
  });

  it('refuses torn and zero-filled bytes', () => {
    const bytes = encodeJournalRecord(commit());
    for (let cut = 0; cut < bytes.length; cut += 1) assert.equal(decodeJournalRecord(bytes.subarray(0, cut), 0), undefined, `cut at ${cut}`);
    assert.equal(decodeJournalRecord(Buffer.alloc(64), 0), undefined);
  });
});

describe('transaction journal files', () => {
  it('replays every record after a restart, in order, with positions', async () => {
    const io = new MemoryFileIO();
    const { journal } = await open(io);
    const first = await journal.append(append(1n));
    await journal.append(append(2n));
    await journal.append(commit());
    await journal.close();
    const { journal: again, replay } = await open(io);
    assert.deepEqual(
      replay.map((r) => r.record.kind),
      ['append', 'append', 'operation'],
    );
    assert.deepEqual(replay[0]!.position, first.position);
    await again.close();
  });

  it('cuts a torn tail and appends after what is whole', async () => {
    const io = new MemoryFileIO();
    const { journal } = await open(io);
    await journal.append(append(1n));
    await journal.append(commit());
    await journal.close();
    const redo = await io.open(`${DIR}/redo.1`, 'write');
    const size = await redo.size();
    await redo.truncate(size - 3);
    await redo.close();
    const { journal: again, replay } = await open(io);
    assert.deepEqual(
      replay.map((r) => r.record.kind),
      ['append'],
      'the torn commit is gone',
    );
    await again.append(append(3n));
    await again.close();
    const { replay: third, journal: last } = await open(io);
    assert.deepEqual(
      third.map((r) => r.record.kind === 'append' && r.record.messageId),
      [1n, 3n],
    );
    await last.close();
  });

  it('a forced record survives a power loss; an unforced one after it may not', async () => {
    const io = new MemoryFileIO();
    const { journal } = await open(io);
    await journal.append(append(1n));
    await journal.append(commit());
    await journal.append(append(2n));
    const image = io.crashImage('durable', () => ({ applied: 0, tearLast: false }));
    const { replay, journal: recovered } = await open(image);
    assert.deepEqual(
      replay.map((r) => r.record.kind),
      ['append', 'operation'],
    );
    await recovered.close();
    await journal.close();
  });

  it('starts replay at the checkpoint, rotates files and deletes those no checkpoint needs', async () => {
    const io = new MemoryFileIO();
    const { journal } = await open(io, 100);
    for (let i = 1n; i <= 12n; i += 1n) await journal.append(append(i, `TX:s:${i}`));
    const files = (await io.list(DIR)).filter((name) => name.startsWith('redo.'));
    assert.ok(files.length > 3, `rotated into ${files.length} files`);
    const keep = await journal.append(append(13n, 'TX:s:13'));
    for (let i = 0; i < 3; i += 1) await journal.checkpoint(keep.position);
    await journal.checkpoint(journal.position);
    await journal.checkpoint(keep.position); // never moves back
    await journal.close();
    const { replay, journal: again } = await open(io);
    assert.deepEqual(replay, [], 'replay starts after everything finished');
    assert.ok((await io.list(DIR)).filter((name) => name.startsWith('checkpoint.')).length <= 3);
    assert.ok(!(await io.list(DIR)).includes('redo.1'), 'redo files before every checkpoint are deleted');
    await again.close();
  });
});
