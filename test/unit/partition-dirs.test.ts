import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { deletePartitions, movePartitions } from '../../src/storage/partition-dirs.js';

describe('move-partitions and delete-partitions check the topic name before any path', () => {
  it('a topic name outside the rule changes nothing, even where its path would exist', async () => {
    const io = new MemoryFileIO();
    await io.mkdirp('/data/t-0');
    await io.mkdirp('/etc-0'); // what "../etc" would reach from /data
    for (const topic of ['../etc', '', '.', 'a/b']) {
      await assert.rejects(
        deletePartitions(io, '/data', topic, 0, 0),
        (error: Error & { code?: string }) => error.code === 'INVALID_TOPIC' && /invalid topic name/.test(error.message),
      );
      await assert.rejects(movePartitions(io, '/data', topic, 0, 0, 1), (error: Error & { code?: string }) => error.code === 'INVALID_TOPIC');
    }
    assert.ok((await io.stat('/etc-0'))?.isDirectory, 'the directory outside the data directory is still there');
    assert.deepEqual(await deletePartitions(io, '/data', 't', 0, 0), ['/data/t-0'], 'a valid name still deletes');
  });
});
