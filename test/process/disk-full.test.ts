import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AckedWrite } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';

describe('K5 disk full on a 2 MiB tmpfs', () => {
  const dir = tempDir('k5');
  const mount = join(dir, 'tmpfs');
  let broker: BrokerProcess | undefined;

  before(() => {
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
  });
  after(async () => {
    if (broker) await broker.kill('SIGTERM');
    await killAllBrokers();
    execFileSync('umount', [mount]);
  });

  it('puts fail with a clear status, reads go on, puts resume once space is freed', async () => {
    // A filler file takes most of the space so that freeing it later is a clean, bounded step.
    const filler = join(mount, 'filler');
    writeFileSync(filler, Buffer.alloc(1024 * 1024));
    const config = writeConfig(dir, { dataPath: join(mount, 'data'), unflushThreshold: 0 });
    broker = await startBrokerProcess(config);
    const session = await WireSession.open('127.0.0.1', broker.port);
    const acked: AckedWrite[] = [];
    const attempted = new Set<string>();
    let failure: { code: number; text: string } | undefined;
    let refused: AckedWrite | undefined;
    let seq = 0;
    // Bounded: 2 MiB of 1 KiB messages cannot take more than ~2100 puts to fill.
    for (; seq < 5000 && failure === undefined; seq += 1) {
      const payload = `p1:${seq}:${'z'.repeat(1000)}`;
      attempted.add(payload);
      const reply = await put(session, 'full', 0, payload);
      if (reply.code === 200) acked.push({ payload, partition: 0, offset: Number(reply.text.split(' ')[2]) });
      else {
        failure = reply;
        const previous = acked[acked.length - 1]!;
        refused = { payload, partition: 0, offset: previous.offset + 20 + Buffer.byteLength(previous.payload) };
      }
    }
    assert.ok(failure, 'the disk filled up');
    assert.equal(failure.code, 500);
    assert.match(failure.text, /disk full .*the message was not stored; free space under .* and retry/);
    assert.ok(acked.length > 100);
    // Reads keep working while the disk is full.
    assert.equal((await get(session, 'full', 0, acked[0]!.offset)).code, 0);
    // Still full: another put fails the same way and is not acked.
    assert.equal((await put(session, 'full', 0, `p1:${seq}:${'z'.repeat(1000)}`)).code, 500);
    attempted.add(`p1:${seq}:${'z'.repeat(1000)}`);
    seq += 1;

    rmSync(filler);
    for (let i = 0; i < 20; i += 1, seq += 1) {
      const payload = `p1:${seq}:resumed`;
      attempted.add(payload);
      const reply = await put(session, 'full', 0, payload);
      assert.equal(reply.code, 200, `put after freeing space: ${reply.text}`);
      acked.push({ payload, partition: 0, offset: Number(reply.text.split(' ')[2]) });
    }
    const reads = await scanPartition(session, 'full', 0);
    const verdict = checkHistory(acked, reads, { attempted });
    assert.ok(isClean(verdict), summarize(verdict));
    assert.equal(reads.length, acked.length, 'no partial or unacked message on disk');
    // Control: had the refused put been reported as acked, the checker would flag its offset
    // (the first put after freeing space now holds it).
    const control = checkHistory([...acked, refused!], reads, { attempted });
    assert.deepEqual(control.divergent, [refused]);
    await session.close();
  });
});
