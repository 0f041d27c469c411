import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncDirectory } from '../../src/storage/directory-syncs.js';
import type { FileIO } from '../../src/storage/io/file-io.js';

/** A FileIO whose directory fsyncs finish when the test says, recording when each started. */
function heldSyncs(): { io: FileIO; started: string[]; finishNext: () => void } {
  const started: string[] = [];
  const finishers: Array<() => void> = [];
  const io = {
    syncDir: (dir: string) =>
      new Promise<void>((resolve) => {
        started.push(dir);
        finishers.push(resolve);
      }),
  } as unknown as FileIO;
  return { io, started, finishNext: () => finishers.shift()!() };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('directory fsyncs, coalesced', () => {
  it('callers arriving during a fsync share the next one, which starts after all of them', async () => {
    const { io, started, finishNext } = heldSyncs();
    const done: number[] = [];
    const first = syncDirectory(io, '/data').then(() => done.push(0));
    const waiting = [1, 2, 3, 4].map((n) => syncDirectory(io, '/data').then(() => done.push(n)));
    assert.equal(started.length, 1);
    finishNext();
    await first;
    await turn();
    assert.deepEqual(done, [0], 'a caller that arrived during a fsync was answered by it: its directory entry may not be durable');
    assert.equal(started.length, 2, 'the four waiting callers did not share one fsync');
    finishNext();
    await Promise.all(waiting);
    assert.deepEqual(done.sort(), [0, 1, 2, 3, 4]);
    // Idle again: the next caller starts its own fsync at once; other directories never wait.
    void syncDirectory(io, '/data');
    void syncDirectory(io, '/other');
    assert.deepEqual(started, ['/data', '/data', '/data', '/other']);
  });
});
