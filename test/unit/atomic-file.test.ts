import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFileAtomically } from '../../src/storage/atomic-file.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';

describe('P6 atomic metadata write', () => {
  it('after a crash at every step the reader sees the old or the new content', async () => {
    const io = new MemoryFileIO();
    await io.mkdirp('/meta');
    await io.syncDir('/'); // the directory itself exists durably before the test
    const path = '/meta/checkpoint';
    const oldContent = Buffer.from('{"old":true}');
    const newContent = Buffer.from('{"new":"a longer value than before"}');
    await writeFileAtomically(io, path, oldContent);
    const seen = new Set<string>();
    let images = 0;
    io.afterOperation = () => {
      for (const namespace of ['durable', 'current'] as const) {
        for (const mode of ['none', 'all', 'torn'] as const) {
          const image = io.crashImage(namespace, (_p, pending) => ({ applied: mode === 'none' ? 0 : pending, tearLast: mode === 'torn' }));
          images += 1;
          void image.readFile(path).then((content) => {
            const text = content?.toString() ?? '<missing>';
            assert.ok(text === oldContent.toString() || text === newContent.toString(), `crash image shows ${text}`);
            seen.add(text);
          });
        }
      }
    };
    await writeFileAtomically(io, path, newContent);
    io.afterOperation = undefined;
    assert.ok(images >= 30);
    assert.deepEqual([...seen].sort(), [newContent.toString(), oldContent.toString()].sort(), 'both outcomes are reachable');
  });
});
