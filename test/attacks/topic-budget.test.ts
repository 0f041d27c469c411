import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SpawnVia } from '../support/broker-process.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';
import { metricsText, stopCleanly } from '../support/broker-metrics.js';

/** Start the broker with at most `descriptors` open files (`ulimit -n`). */
const withDescriptorLimit =
  (descriptors: number): SpawnVia =>
  (command, args) => ['bash', ['-c', `ulimit -n ${descriptors} && exec "$0" "$@"`, command, ...args]];

describe('attack: creating topics and partitions without end', () => {
  after(killAllBrokers);

  it('refuses a topic past maxTopics with a clear error, and keeps every acked message', { timeout: 120_000 }, async () => {
    const dir = tempDir('topic-budget');
    const config = writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0, maxTopics: 20 });
    let broker = await startBrokerProcess(config);
    let session = await WireSession.open('127.0.0.1', broker.port);
    for (let i = 0; i < 20; i += 1) assert.equal((await put(session, `t${i}`, 0, `message ${i}`)).code, 200);
    const refused = await put(session, 'one-too-many', 0, 'refused');
    assert.notEqual(refused.code, 200);
    assert.match(refused.text, /too many topics.*maxTopics=20.*raise \[system\] maxTopics/);
    assert.equal((await put(session, 't3', 0, 'existing topics still take puts')).code, 200, 'the limit leaves existing topics alone');
    const metrics = await metricsText(broker);
    assert.match(metrics, /^metaq_topics 20$/m);
    assert.match(metrics, /^metaq_store_refusals_total\{limit="topics"\} 1$/m);
    await session.close();
    await stopCleanly(broker);

    broker = await startBrokerProcess(config);
    session = await WireSession.open('127.0.0.1', broker.port);
    for (let i = 0; i < 20; i += 1) {
      const expected = i === 3 ? ['message 3', 'existing topics still take puts'] : [`message ${i}`];
      assert.deepEqual(
        (await scanPartition(session, `t${i}`, 0)).map((r) => r.payload),
        expected,
      );
    }
    assert.equal((await get(session, 'one-too-many', 0, 0)).code, 404);
    assert.equal(existsSync(join(dir, 'data', 'one-too-many-0')), false, 'no directory for the refused topic');
    await session.close();
    await stopCleanly(broker);
  });

  it('refuses a partition past maxPartitions, whatever the topic', { timeout: 60_000 }, async () => {
    const dir = tempDir('partition-budget');
    const broker = await startBrokerProcess(writeConfig(dir, { dataPath: join(dir, 'data'), unflushThreshold: 0, numPartitions: 4, maxPartitions: 6 }));
    const session = await WireSession.open('127.0.0.1', broker.port);
    for (let p = 0; p < 4; p += 1) assert.equal((await put(session, 'a', p, 'x')).code, 200);
    for (let p = 0; p < 2; p += 1) assert.equal((await put(session, 'b', p, 'x')).code, 200);
    const refused = await put(session, 'b', 2, 'x');
    assert.match(refused.text, /too many partitions.*6 partitions.*maxPartitions=6.*b-2 is not created/);
    assert.match(await metricsText(broker), /^metaq_store_refusals_total\{limit="partitions"\} 1$/m);
    await session.close();
    await stopCleanly(broker);
  });

  it('starts, serves and stops with thousands of partitions under ulimit -n 512, and /metrics stays small', { timeout: 170_000 }, async () => {
    const partitions = 2_000;
    const dir = tempDir('many-partitions');
    const data = join(dir, 'data');
    // Partition directories a client created earlier: a broker always loads what is on disk.
    for (let i = 0; i < partitions; i += 1) mkdirSync(join(data, `many${i}-0`), { recursive: true });
    // The built-in configuration's group commit: a put is visible once acked (a server.ini without it waits for the next flush).
    const config = writeConfig(dir, { dataPath: data, unflushThreshold: 0, loadMessageStoresInParallel: true });
    const broker = await startBrokerProcess(config, { spawnVia: withDescriptorLimit(512) });
    const sessions = await Promise.all([0, 1, 2, 3].map(() => WireSession.open('127.0.0.1', broker.port)));
    const each = async (work: (session: WireSession, i: number) => Promise<void>): Promise<void> => {
      await Promise.all(
        sessions.map(async (session, s) => {
          for (let i = s; i < partitions; i += sessions.length) await work(session, i);
        }),
      );
    };
    await each(async (session, i) => assert.equal((await put(session, `many${i}`, 0, `payload ${i}`)).code, 200, `put to many${i}`));
    await each(async (session, i) =>
      assert.deepEqual(
        (await scanPartition(session, `many${i}`, 0)).map((r) => r.payload),
        [`payload ${i}`],
      ),
    );

    const metrics = await metricsText(broker);
    assert.match(metrics, new RegExp(`^metaq_partitions ${partitions}$`, 'm'));
    assert.ok(metrics.length < 200_000, `/metrics is ${metrics.length} bytes with ${partitions} partitions`);
    const open = Number(/^metaq_open_segment_files (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(open > 0 && open <= 256, `${open} segment files open under ulimit -n 512`);

    await Promise.all(sessions.map((session) => session.close()));
    await stopCleanly(broker);
    for (let i = 0; i < partitions; i += 1) {
      const point = JSON.parse(readFileSync(join(data, `many${i}-0`, '.recovery-point'), 'utf8')) as { cleanShutdown: boolean };
      assert.equal(point.cleanShutdown, true, `many${i}-0 recorded its clean shutdown`);
    }
  });
});
