import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksum } from '../../src/common/checksum.js';
import { StorageError } from '../../src/common/errors.js';
import { errnoError, MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { openLog, payloadFor } from '../support/storage-harness.js';
import { appendRecord } from '../../src/storage/append-promise.js';

/** A file system whose fsyncs take a few milliseconds and are counted, with the end they cover. */
function slowSyncIO(): { io: MemoryFileIO; syncs: () => number; syncedEnd: () => number; failSyncs: () => void } {
  const io = new MemoryFileIO();
  let syncs = 0;
  let syncedEnd = 0;
  let fail = false;
  const pendingEnds: number[] = [];
  io.faults = (op) => {
    if (op.type === 'datasync' && op.path.endsWith('.meta')) {
      if (fail) return { error: errnoError('EIO', 'injected fsync failure') };
      syncs += 1;
    }
    return undefined;
  };
  io.afterOperation = (op) => {
    if (op.type === 'datasync' && op.path.endsWith('.meta')) pendingEnds.push(0);
  };
  // Delay each fsync of a segment and record what it covered when it completes.
  const open = io.open.bind(io);
  io.open = async (path, mode) => {
    const file = await open(path, mode);
    if (!path.endsWith('.meta')) return file;
    const datasync = file.datasync.bind(file);
    file.datasync = async () => {
      const covered = await file.size();
      await new Promise((resolve) => setTimeout(resolve, 2)); // the injected slowness of a disk
      await datasync();
      syncedEnd = Math.max(syncedEnd, covered);
    };
    return file;
  };
  return { io, syncs: () => syncs, syncedEnd: () => syncedEnd, failSyncs: () => (fail = true) };
}

describe('P7 group commit', () => {
  it('acks 1000 concurrent puts only after an fsync covering them, with far fewer fsyncs', async () => {
    const disk = slowSyncIO();
    const log = await openLog(disk.io, { unflushThreshold: 0 });
    const baseline = disk.syncs();
    const acks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => {
        const payload = payloadFor(i);
        return appendRecord(log, payload, 0, BigInt(i + 1), checksum(payload)).then((offset) => {
          assert.ok(offset + 20 + payload.length <= disk.syncedEnd(), `put at ${offset} acked before its fsync`);
          return offset;
        });
      }),
    );
    assert.equal(new Set(acks).size, 1000);
    const fsyncs = disk.syncs() - baseline;
    assert.ok(fsyncs >= 1 && fsyncs < 100, `1000 puts took ${fsyncs} fsyncs`);
    assert.equal(log.visibleEnd, log.writtenEnd);
    await log.close();
  });

  it('an fsync failure rejects every waiter and fences the log', async () => {
    const disk = slowSyncIO();
    const log = await openLog(disk.io, { unflushThreshold: 0 });
    disk.failSyncs();
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => {
        const payload = payloadFor(i);
        return appendRecord(log, payload, 0, BigInt(i + 1), checksum(payload));
      }),
    );
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof StorageError && r.reason.code === 'STORAGE_FAILED'));
    assert.ok(log.fenced);
    await assert.rejects(appendRecord(log, Buffer.from('late'), 0, 1n, checksum(Buffer.from('late'))), /refuses writes/);
    assert.equal(log.visibleEnd, 0, 'nothing unflushed became visible');
  });
});
