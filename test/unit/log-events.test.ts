import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendRecord } from '../../src/storage/append-promise.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { checksum } from '../../src/common/checksum.js';
import { openLog } from '../support/storage-harness.js';

describe('partition log events (several listeners, typed, each removable)', () => {
  it('tells every written and traced listener of each write, in order, until it unsubscribes', async () => {
    const log = await openLog(new MemoryFileIO(), { unflushThreshold: 1000 });
    const heard: string[] = [];
    const stopFirst = log.events.on('written', (start, bytes) => heard.push(`first ${start}+${bytes.length}`));
    log.events.on('written', (start) => heard.push(`second ${start}`));
    log.events.on('traced', (start) => heard.push(`traced ${start}`));
    const payload = Buffer.from('hello');
    const first = await appendRecord(log, payload, 0, 1n, checksum(payload));
    stopFirst();
    stopFirst(); // a second call changes nothing
    const second = await appendRecord(log, payload, 0, 2n, checksum(payload));
    assert.deepEqual(heard, [`first ${first}+${second - first}`, `second ${first}`, `traced ${first}`, `second ${second}`, `traced ${second}`]);
    await log.close();
  });

  it('lets a listener unsubscribe another while a write is being told, without skipping anyone that write', async () => {
    const log = await openLog(new MemoryFileIO(), { unflushThreshold: 1000 });
    const heard: string[] = [];
    let stopLater: () => void = () => undefined;
    log.events.on('written', () => {
      heard.push('a');
      stopLater();
    });
    stopLater = log.events.on('written', () => heard.push('b'));
    const payload = Buffer.from('x');
    await appendRecord(log, payload, 0, 1n, checksum(payload));
    await appendRecord(log, payload, 0, 2n, checksum(payload));
    assert.deepEqual(heard, ['a', 'b', 'a']);
    await log.close();
  });
});
