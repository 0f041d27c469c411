import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IoFile, OpenMode } from '../../src/storage/io/file-io.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { OpenFileCache } from '../../src/storage/io/open-file-cache.js';
import { eventually } from '../support/eventually.js';
import { GatedFileIO } from '../support/gated-file-io.js';
import { appendPayload, openLog, payloadFor, scanAll } from '../support/storage-harness.js';

/** A MemoryFileIO that counts the descriptors held and can hold reads of one file at a gate. */
class CountingIO extends MemoryFileIO {
  held = 0;
  maxOpen = 0;
  /** Closes of a file while one of its reads was in flight. */
  closedWhileReading = 0;
  private readonly reading = new Map<string, number>();
  gate: { path: string; opened: Promise<void>; lift: () => void } | undefined;

  override async open(path: string, mode: OpenMode): Promise<IoFile> {
    const file = await super.open(path, mode);
    this.held += 1;
    this.maxOpen = Math.max(this.maxOpen, this.held);
    const read = file.read.bind(file);
    const close = file.close.bind(file);
    file.read = async (...args) => {
      this.reading.set(path, (this.reading.get(path) ?? 0) + 1);
      try {
        if (this.gate?.path === path) await this.gate.opened;
        return await read(...args);
      } finally {
        this.reading.set(path, this.reading.get(path)! - 1);
      }
    };
    file.close = async () => {
      if ((this.reading.get(path) ?? 0) > 0) this.closedWhileReading += 1;
      this.held -= 1;
      await close();
    };
    return file;
  }

  holdReadsOf(path: string): void {
    let lift = (): void => undefined;
    const opened = new Promise<void>((resolve) => (lift = resolve));
    this.gate = { path, opened, lift };
  }
}

async function setUp(capacity: number, files: number): Promise<{ io: CountingIO; cache: OpenFileCache; handles: IoFile[] }> {
  const io = new CountingIO();
  await io.mkdirp('/data');
  const cache = new OpenFileCache(io, capacity);
  const handles: IoFile[] = [];
  for (let i = 0; i < files; i += 1) {
    const file = await cache.open(`/data/f${i}`, 'write');
    await file.write(Buffer.from(`content of file ${i}`), 0);
    handles.push(file);
  }
  return { io, cache, handles };
}

async function readAll(file: IoFile): Promise<string> {
  const buf = Buffer.alloc(64);
  const n = await file.read(buf, 0, buf.length, 0);
  return buf.subarray(0, n).toString();
}

describe('open-file cache', () => {
  it('never holds more descriptors than its cap, and reads are right after a file was reopened', async () => {
    const { io, cache, handles } = await setUp(4, 40);
    assert.ok(io.maxOpen <= 4, `held ${io.maxOpen} descriptors with a cap of 4`);
    // Every file again, many at once and in a different order: each is reopened transparently.
    const order = handles.map((_, i) => (i * 7) % handles.length);
    const contents = await Promise.all(order.map((i) => readAll(handles[i]!)));
    assert.deepEqual(
      contents,
      order.map((i) => `content of file ${i}`),
    );
    assert.equal(await handles[3]!.size(), 'content of file 3'.length);
    assert.ok(io.maxOpen <= 4, `held ${io.maxOpen} descriptors with a cap of 4`);
    assert.ok(cache.evictions > 0, 'files were closed to make room');
    assert.ok(cache.openFiles <= 4);
    await Promise.all(handles.map((file) => file.close()));
    assert.equal(io.held, 0, 'closing every file releases every descriptor');
    assert.equal(cache.openFiles, 0);
  });

  it('never closes a file whose read is in flight; other files still get a descriptor meanwhile', async () => {
    const { io, handles } = await setUp(2, 6);
    io.holdReadsOf('/data/f0');
    const held = readAll(handles[0]!);
    // With f0 busy, the other files share the one remaining descriptor.
    for (let round = 0; round < 3; round += 1) {
      for (let i = 1; i < handles.length; i += 1) assert.equal(await readAll(handles[i]!), `content of file ${i}`);
    }
    io.gate!.lift();
    assert.equal(await held, 'content of file 0');
    assert.equal(io.closedWhileReading, 0, 'a file was closed while one of its reads was in flight');
    assert.ok(io.maxOpen <= 2);
  });

  it('writes not yet synced are made durable before their file is closed to make room', async () => {
    const { io, cache, handles } = await setUp(2, 2);
    await handles[0]!.write(Buffer.from('CONTENT'), 0);
    const third = await cache.open('/data/f2', 'write');
    await third.write(Buffer.from('x'), 0);
    await readAll(handles[1]!); // room for two: f0, written and not synced, is the one closed
    const image = io.crashImage('current', () => ({ applied: 0, tearLast: false }));
    assert.equal((await image.readFile('/data/f0'))?.subarray(0, 7).toString(), 'CONTENT', 'what f0 held when it was closed survives a power cut');
    assert.equal(await readAll(handles[0]!), 'CONTENT of file 0');
  });

  it('closes the descriptors of files unused since the last sweep, after syncing them, and reopens them on use', async () => {
    const { io, cache, handles } = await setUp(10, 3);
    await handles[0]!.write(Buffer.from('UNSYNCED'), 0);
    await cache.closeIdle(); // every file was used before this sweep: none closes yet
    assert.equal(io.held, 3);
    assert.equal(await readAll(handles[2]!), 'content of file 2'); // f2 used since
    await cache.closeIdle();
    assert.equal(io.held, 1, 'f0 and f1 went unused for a whole period and keep their descriptors');
    assert.equal(cache.idleCloses, 2);
    assert.equal(cache.evictions, 0);
    const image = io.crashImage('current', () => ({ applied: 0, tearLast: false }));
    assert.equal((await image.readFile('/data/f0'))?.subarray(0, 8).toString(), 'UNSYNCED', 'an idle file was closed without its writes made durable');
    assert.equal(await readAll(handles[0]!), 'UNSYNCEDof file 0');
    assert.equal(io.held, 2);
  });

  it('does not bring a removed file back when it reopens it', async () => {
    const { io, handles } = await setUp(1, 2);
    await io.unlink('/data/f0'); // f0's descriptor was closed to open f1
    await assert.rejects(readAll(handles[0]!), /ENOENT/);
    assert.equal(await io.stat('/data/f0'), undefined);
  });
});

/** What a power cut now leaves of `path`: only what a fsync made durable. */
async function durable(io: GatedFileIO, path: string): Promise<string | undefined> {
  const image = io.crashImage('current', () => ({ applied: 0, tearLast: false }));
  return (await image.readFile(path))?.toString();
}

describe('open-file cache: fsync accounting under interleavings', () => {
  async function twoFiles(): Promise<{ io: GatedFileIO; cache: OpenFileCache; a: IoFile }> {
    const io = new GatedFileIO();
    await io.mkdirp('/data');
    const cache = new OpenFileCache(io, 1);
    const a = await cache.open('/data/a', 'write');
    return { io, cache, a };
  }

  it('a datasync that waited for an eviction whose fsync failed rejects, and so do later ones', async () => {
    const { io, cache, a } = await twoFiles();
    await a.write(Buffer.from('acked?'), 0);
    const gate = io.holdSync('/data/a');
    const openingB = cache.open('/data/b', 'write'); // room for one: evicts a, whose fsync waits
    await eventually(() => gate.entered === 1, "a's eviction fsync started");
    const sync = a.datasync(); // starts while the eviction is closing a
    gate.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await assert.rejects(sync, /EIO/, 'a datasync acked pages whose eviction fsync failed');
    const b = await openingB;
    await assert.rejects(a.datasync(), /EIO/, 'the failure was reported once and then lost');
    await b.close();
    await a.close();
  });

  it('a write in flight during a datasync is fsynced before its file is closed to make room', async () => {
    const { io, cache, a } = await twoFiles();
    const gate = io.holdWrite('/data/a');
    const writing = a.write(Buffer.from('late'), 0);
    await eventually(() => gate.entered === 1, 'the write reached the disk');
    await a.datasync(); // fsyncs before the write lands: it must not count it as synced
    gate.open();
    await writing;
    const b = await cache.open('/data/b', 'write'); // evicts a
    assert.equal(cache.evictions, 1);
    await a.datasync();
    assert.equal(await durable(io, '/data/a'), 'late', 'the write was not fsynced before a was closed, and datasync did not fsync it');
    await b.close();
    await a.close();
  });

  it('a write that completes during a datasync stays dirty', async () => {
    const { io, cache, a } = await twoFiles();
    await a.write(Buffer.from('one'), 0);
    const gate = io.holdSync('/data/a');
    const syncing = a.datasync();
    await eventually(() => gate.entered === 1, 'the fsync started');
    await a.write(Buffer.from('two'), 3); // lands while the fsync is in flight
    gate.open();
    await syncing;
    const b = await cache.open('/data/b', 'write'); // evicts a, which must fsync it again
    assert.equal(io.syncs.get('/data/a'), 2, 'a write finished during a fsync was counted as synced');
    await b.close();
    await a.close();
  });

  it('a reopen that finds the process out of descriptors (EMFILE) waits and succeeds instead of failing the write', async () => {
    const { io, cache, a } = await twoFiles();
    await a.write(Buffer.from('first'), 0);
    const b = await cache.open('/data/b', 'write'); // a loses its descriptor
    await b.write(Buffer.from('b'), 0);
    io.emfiles = 3; // connections took every descriptor for a moment
    await a.write(Buffer.from('again'), 5);
    await a.datasync();
    assert.equal(await durable(io, '/data/a'), 'firstagain');
    assert.equal(io.emfiles, 0);
    assert.ok(cache.descriptorShortages >= 3);
    assert.ok(cache.openFiles <= 1);
    await b.close();
    await a.close();
  });
});

describe('open-file cache under a partition log', () => {
  it('a put whose segment reopen meets EMFILE is stored and acked; the partition is not fenced', async () => {
    const io = new GatedFileIO();
    await io.mkdirp('/data');
    const cache = new OpenFileCache(io, 1);
    const log = await openLog(cache); // group commit: each put is fsynced before its ack
    await appendPayload(log, 0);
    const other = await cache.open('/data/other', 'write'); // the segment loses its descriptor
    await other.close();
    io.emfiles = 2; // connections hold every descriptor when the next put reopens the segment
    await appendPayload(log, 1);
    assert.equal(log.fenced, undefined, 'EMFILE on a reopen fenced the partition');
    assert.deepEqual(
      (await scanAll(log)).map((record) => record.payload),
      [payloadFor(0).toString(), payloadFor(1).toString()],
    );
    await log.close();
  });
});
