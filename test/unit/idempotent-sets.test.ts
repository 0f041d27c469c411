import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import { writeRecordHeader, RECORD_HEADER_SIZE } from '../../src/protocol/record.js';
import { IdempotentSets, REMEMBERED_SETS } from '../../src/storage/idempotent-sets.js';
import type { SetOutcome } from '../../src/storage/idempotent-sets.js';
import { errnoError, MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { PRODUCER_JOURNAL_FILE, ProducerJournal } from '../../src/storage/producer-journal.js';
import type { StoredSet } from '../../src/storage/producer-journal.js';
import { DIR, openLog, scanAll } from '../support/storage-harness.js';
import { appendRecord } from '../../src/storage/append-promise.js';

const stored = (sequence: number, offset = sequence * 100): StoredSet => ({
  producerId: 'p1',
  sequence,
  records: 2,
  bytes: 50,
  offset,
  firstId: BigInt(1000 + sequence),
});

/** The outcome a retry hears, as a promise. */
function outcomeOf(admission: ReturnType<IdempotentSets['admit']>): Promise<SetOutcome> {
  if (admission.kind !== 'retry') throw new Error(`expected a retry, got ${admission.kind}`);
  return new Promise((resolve) => admission.outcome(resolve));
}

describe('idempotent sets: which sets a producer has stored', () => {
  it('stores a new set, answers a retry of a stored or pending one with its outcome, and stores a failed one again', async () => {
    const sets = new IdempotentSets([stored(0)], 0);
    assert.equal(sets.admit('p2', 7, 1, 10, 0).kind, 'new', 'an unknown producer');
    assert.equal(sets.admit('p1', 1, 2, 50, 0).kind, 'new', 'the next set');
    assert.deepEqual(await outcomeOf(sets.admit('p1', 0, 2, 50, 0)), { stored: stored(0) });

    const pending = sets.begin('p1', 1, 2, 50, 0);
    const heard = outcomeOf(sets.admit('p1', 1, 2, 50, 0));
    sets.settle(pending, { stored: stored(1) });
    assert.deepEqual(await heard, { stored: stored(1) }, 'a retry while the first attempt is written waits for it');

    const failing = sets.begin('p1', 2, 2, 50, 0);
    const failed = outcomeOf(sets.admit('p1', 2, 2, 50, 0));
    sets.settle(failing, { failed: new Error('disk full') });
    assert.ok('failed' in (await failed));
    assert.equal(sets.admit('p1', 2, 2, 50, 0).kind, 'new', 'a failed set may be stored by its retry');
  });

  it('refuses a reused sequence with other messages, and a sequence older than the remembered window', () => {
    const sets = new IdempotentSets(
      Array.from({ length: REMEMBERED_SETS + 5 }, (_, n) => stored(n)),
      0,
    );
    const reused = sets.admit('p1', 10, 3, 50, 0);
    assert.equal(reused.kind, 'refused');
    assert.match(
      reused.kind === 'refused' ? reused.reason : '',
      /was 2 records of 50 bytes, but this one is 3 records of 50 bytes: a producer id must not be reused/,
    );
    const old = sets.admit('p1', 2, 2, 50, 0);
    assert.equal(old.kind, 'refused');
    assert.match(old.kind === 'refused' ? old.reason : '', /older than the last 32 sets remembered for this partition \(from 5\)/);
    assert.equal(sets.admit('p1', 4, 2, 50, 0).kind, 'refused');
    assert.equal(sets.admit('p1', 6, 2, 50, 0).kind, 'retry', 'inside the window');
    assert.equal(sets.admit('p1', 99, 2, 50, 0).kind, 'new', 'a gap is allowed: a set that never arrived');
  });

  it('forgets producers idle past the expiry when the journal is compacted, never one with a set in flight', () => {
    const sets = new IdempotentSets([stored(0), { ...stored(0), producerId: 'p2' }], 0);
    sets.admit('p2', 1, 2, 50, 5_000);
    const inFlight = sets.begin('p3', 0, 1, 10, 0);
    assert.deepEqual(
      sets.live(1_000).map((s) => s.producerId),
      ['p2'],
    );
    assert.equal(sets.producerCount, 2, 'p1 expired; p3 kept while its set is written');
    sets.settle(inFlight, { stored: { ...stored(0), producerId: 'p3' } });
  });
});

describe('producer journal', () => {
  it('reads back what it appended, cuts a torn tail, and compacts to the live entries', async () => {
    const io = new MemoryFileIO();
    await io.mkdirp(DIR);
    const first = await ProducerJournal.open(io, DIR, false, 200);
    assert.deepEqual(first.sets, []);
    await first.journal.append([stored(0), { ...stored(1), firstId: -5n, offset: 2 ** 40 }]);
    await first.journal.append([stored(2)]);
    await first.journal.close();
    const image = (await io.readFile(`${DIR}/${PRODUCER_JOURNAL_FILE}`))!;
    const torn = await io.open(`${DIR}/${PRODUCER_JOURNAL_FILE}`, 'write');
    await torn.truncate(image.length - 3);
    await torn.close();
    const reopened = await ProducerJournal.open(io, DIR, false, 100);
    assert.deepEqual(reopened.sets, [stored(0), { ...stored(1), firstId: -5n, offset: 2 ** 40 }], 'the torn last entry is dropped');
    await reopened.journal.append([stored(3)]);
    assert.ok(reopened.journal.needsCompaction);
    await reopened.journal.rewrite([stored(3)]);
    await reopened.journal.close();
    assert.deepEqual((await ProducerJournal.open(io, DIR)).sets, [stored(3)]);
  });
});

/** Store `payloads` as set `sequence` of producer p1 the way the broker does; the offset answered. */
function storeOnce(log: PartitionLog, sequence: number, payloads: string[], firstId: bigint): Promise<{ offset: number; retried: boolean }> {
  const records = Buffer.concat(
    payloads.map((text, n) => {
      const payload = Buffer.from(text);
      const record = Buffer.allocUnsafe(RECORD_HEADER_SIZE + payload.length);
      writeRecordHeader(record, 0, payload.length, checksum(payload), firstId + BigInt(n), 0);
      payload.copy(record, RECORD_HEADER_SIZE);
      return record;
    }),
  );
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const admission = log.admitSet('p1', sequence, payloads.length, records.length);
      if (admission.kind === 'refused') reject(new Error(admission.reason));
      else if (admission.kind === 'retry')
        admission.outcome((outcome) => ('stored' in outcome ? resolve({ offset: outcome.stored.offset, retried: true }) : attempt()));
      else
        log.append({
          kind: 'idempotent',
          set: records,
          records: payloads.length,
          producer: { id: 'p1', sequence, firstId },
          done: (error, offset) => (error ? reject(error) : resolve({ offset, retried: false })),
        });
    };
    attempt();
  });
}

describe('idempotent appends to a partition log', () => {
  it('stores a set once however often it is retried, across a clean restart and a kill -9', async () => {
    const io = new MemoryFileIO();
    let log = await openLog(io);
    const first = await storeOnce(log, 0, ['a', 'b'], 100n);
    assert.deepEqual(await storeOnce(log, 0, ['a', 'b'], 100n), { offset: first.offset, retried: true });
    await log.close();
    log = await openLog(io);
    assert.deepEqual(await storeOnce(log, 0, ['a', 'b'], 100n), { offset: 0, retried: true }, 'after a clean restart');
    const second = await storeOnce(log, 1, ['c'], 200n);
    // kill -9: what the process wrote survives (page cache), nothing else happens.
    const killed = io.crashImage('current', (_path, pending) => ({ applied: pending, tearLast: false }));
    log = await openLog(killed);
    assert.deepEqual(await storeOnce(log, 1, ['c'], 200n), { offset: second.offset, retried: true }, 'after kill -9');
    assert.deepEqual(
      (await scanAll(log)).map((r) => r.payload),
      ['a', 'b', 'c'],
      'each message stored once',
    );
    await log.close();
  });

  it('stores a retry whose first attempt is journaled but not in the log (a failed write before a restart)', async () => {
    const io = new MemoryFileIO();
    let log = await openLog(io);
    io.faults = (op) => (op.type === 'write' && op.path.endsWith('.meta') ? { error: errnoError('ENOSPC', 'no space left on device') } : undefined);
    await assert.rejects(storeOnce(log, 0, ['lost'], 100n), /disk full/);
    io.faults = undefined;
    // Other data now sits where the failed set would have gone.
    const payload = Buffer.from('other');
    await appendRecord(log, payload, 0, 555n, checksum(payload));
    await log.close();
    log = await openLog(io);
    const retried = await storeOnce(log, 0, ['lost'], 100n);
    assert.equal(retried.retried, false, 'the journal entry names a set the log does not hold: stored now');
    assert.deepEqual(
      (await scanAll(log)).map((r) => r.payload),
      ['other', 'lost'],
    );
    await log.close();
  });
});
