import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AckedWrite, ReadRecord } from '../support/history-checker.js';
import { checkHistory, isClean, summarize } from '../support/history-checker.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';

describe('K4 bit flip in a sealed segment, broker stopped (real process)', () => {
  after(killAllBrokers);

  it('the broker starts, refuses the damaged range loudly naming where to resume, and every acked message after it stays readable', async () => {
    const dir = tempDir('k4');
    const config = writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 1, maxSegmentSize: 16 * 1024 });
    const broker = await startBrokerProcess(config);
    let session = await WireSession.open('127.0.0.1', broker.port);
    const acked: AckedWrite[] = [];
    const attempted = new Set<string>();
    for (let seq = 0; seq < 300; seq += 1) {
      const payload = `p1:${seq}:${'z'.repeat(200)}`;
      attempted.add(payload);
      const reply = await put(session, 'k4', 0, payload);
      assert.equal(reply.code, 200);
      acked.push({ payload, partition: 0, offset: Number(reply.text.split(' ')[2]) });
    }
    await session.close();
    assert.equal(await broker.kill('SIGTERM'), 0);

    // Flip one bit in the payload of a message in the middle of the first, sealed, segment.
    const partitionDir = join(dir, 'data', 'k4-0');
    const segments = readdirSync(partitionDir)
      .filter((name) => name.endsWith('.meta'))
      .sort();
    assert.ok(segments.length >= 3, 'the messages span several segments');
    const damaged = acked[20]!;
    const file = join(partitionDir, segments[0]!);
    const bytes = readFileSync(file);
    bytes[damaged.offset + 20 + 7]! ^= 0x04;
    writeFileSync(file, bytes);

    const restarted = await startBrokerProcess(config);
    session = await WireSession.open('127.0.0.1', restarted.port);
    const before = await scanPartition(session, 'k4', 0);
    assert.deepEqual(
      before.map((r) => r.payload),
      acked.slice(0, 20).map((a) => a.payload),
      'reads stop before the damaged message, never return its bytes',
    );
    const refused = await get(session, 'k4', 0, damaged.offset);
    assert.equal(refused.code, 500, 'a read of the damaged range fails loudly');
    const resumeAt = Number(/resume reading at offset (\d+)/.exec(refused.text)?.[1]);
    assert.equal(resumeAt, acked[21]!.offset, `the refusal names where the next intact message starts: ${refused.text}`);
    const afterRange: ReadRecord[] = await scanPartition(session, 'k4', 0, resumeAt);
    const verdict = checkHistory(
      acked.filter((a) => a !== damaged),
      [...before, ...afterRange],
      { attempted },
    );
    assert.deepEqual(verdict.lost, [], summarize(verdict));
    assert.ok(isClean({ ...verdict, offsetGaps: [] }), summarize(verdict));
    assert.deepEqual(verdict.offsetGaps.length, 1, 'the one gap is the refused message');
    const stats = (await session.request((opaque) => ({ kind: 'stats', item: '', opaque }))).body.toString();
    assert.match(stats, /\r\ncorrupt_ranges 1\r\n/, 'the corruption is reported in stats');
    assert.ok(
      restarted.logs.some((line) => line.msg === 'records fail their checksum; range refused'),
      'and logged',
    );
    const next = await put(session, 'k4', 0, 'after-restart');
    assert.equal(next.code, 200, 'the partition still takes puts');
    await session.close();
    await restarted.kill('SIGTERM');
  });
});
