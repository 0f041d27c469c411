import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AckedWrite } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';

describe('K3 torn tail on a real file', () => {
  after(killAllBrokers);

  it('restart truncates the torn message and garbage, logs and exports the count, and appends at the right offset', async () => {
    const dir = tempDir('k3');
    // Normal flush with a long interval: the tail stays unflushed, as a torn write would be.
    const config = writeConfig(dir, { dataPath: `${dir}/data`, unflushThreshold: 100000, unflushInterval: 600000 });
    const broker = await startBrokerProcess(config);
    let session = await WireSession.open('127.0.0.1', broker.port);
    const acked: AckedWrite[] = [];
    const attempted = new Set<string>();
    for (let seq = 0; seq < 200; seq += 1) {
      const payload = `p1:${seq}:${'y'.repeat(seq % 40)}`;
      attempted.add(payload);
      const reply = await put(session, 'torn', 0, payload);
      assert.equal(reply.code, 200);
      acked.push({ payload, partition: 0, offset: Number(reply.text.split(' ')[2]) });
    }
    await session.close();
    await broker.kill('SIGKILL');

    const partitionDir = join(dir, 'data', 'torn-0');
    const segment = join(
      partitionDir,
      readdirSync(partitionDir).find((n) => n.endsWith('.meta'))!,
    );
    const last = acked[acked.length - 1]!;
    const lastSize = statSync(segment).size - last.offset;
    const cut = last.offset + 1 + Math.floor(Math.random() * (lastSize - 1));
    truncateSync(segment, cut);
    const garbage = Math.floor(Math.random() * 4097);
    appendFileSync(segment, randomBytes(garbage));

    const restarted = await startBrokerProcess(config);
    const torn = restarted.logs.find((line) => line.msg === 'torn tail truncated');
    assert.equal(torn?.truncatedBytes, cut - last.offset + garbage, 'the truncated byte count is logged');
    session = await WireSession.open('127.0.0.1', restarted.port);
    const stats = (await session.request((opaque) => ({ kind: 'stats', item: '', opaque }))).body.toString();
    assert.match(stats, new RegExp(`\\r\\nrecovery_truncated_bytes ${cut - last.offset + garbage}\\r\\n`), 'and exported in stats');
    const reads = await scanPartition(session, 'torn', 0);
    const survivors = acked.slice(0, -1);
    const verdict = checkHistory(survivors, reads, { attempted });
    assert.ok(isClean(verdict), summarize(verdict));
    assert.equal(reads.length, 199, 'only the torn message is gone');
    // Control: the checker sees the torn message missing when it is expected.
    assert.deepEqual(
      checkHistory(acked, reads, { attempted }).lost.map((w) => w.payload),
      [last.payload],
    );
    // A consumer that had committed offset X continues from X.
    const resumedReply = await get(session, 'torn', 0, acked[150]!.offset);
    assert.equal(resumedReply.code, 0, `get from a committed offset: ${resumedReply.code} ${resumedReply.text.slice(0, 100)}`);
    const resumed = await scanPartition(session, 'torn', 0, acked[150]!.offset);
    assert.equal(resumed[0]?.payload, acked[150]!.payload);
    const next = await put(session, 'torn', 0, 'after-restart');
    assert.equal(Number(next.text.split(' ')[2]), last.offset, 'new puts land at the recovered end');
    await session.close();
    assert.equal(await restarted.kill('SIGTERM'), 0, 'SIGTERM shuts down cleanly');
    assert.deepEqual(JSON.parse(readFileSync(join(partitionDir, '.recovery-point'), 'utf8')), { flushedOffset: statSync(segment).size, cleanShutdown: true });
  });
});
