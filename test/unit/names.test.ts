import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { PartitionStores, partitionDirectory } from '../../src/broker/partition-stores.js';
import { systemClock } from '../../src/common/clock.js';
import { MemoryFileIO } from '../../src/storage/io/memory-file-io.js';
import { silentLogger } from '../support/storage-harness.js';
import { InvalidArgumentError, MetaqClient } from '../../src/client/index.js';
import { groupNameProblem, topicNameProblem } from '../../src/common/names.js';

const VALID = ['orders', 'logs.app-1', 'retry.payments', 'dlq.g', '_internal', 'a', '...', 'x'.repeat(249), 'meta-monitor-topic'];
const INVALID = ['', '.', '..', 'a/b', '../x', 'logs-../../../x', 'a\u0000b', 'caf\u00e9', '\ufffd', 'a b', 'a\tb', 'x'.repeat(250), 'log-*', 'a:b', 'a\\b'];

describe('the name rule for topics and groups', () => {
  it('accepts Kafka-style names and refuses paths, NUL, non-ASCII and overlong ones, saying what is allowed', () => {
    for (const name of VALID) assert.equal(topicNameProblem(name), undefined, name);
    for (const name of INVALID)
      assert.match(topicNameProblem(name) ?? '', /^invalid topic name .*: a topic name is 1 to 249 characters from A-Z, a-z, 0-9/, JSON.stringify(name));
    assert.match(topicNameProblem('x'.repeat(1000)) ?? '', /x{80}…"/, 'a long name is shown cut');
    assert.equal(groupNameProblem('meta-example'), undefined);
    assert.match(groupNameProblem('a/b') ?? '', /invalid group name "a\/b"/);
  });

  it('reads a partition directory only as the broker names one', () => {
    assert.deepEqual(partitionDirectory('logs-app-3'), { topic: 'logs-app', partition: 3 });
    for (const name of ['logs', '-0', 'x-01', 'x-', 'a b-0', '..-0', 'x-100000', 'caf\u00e9-0']) assert.equal(partitionDirectory(name), undefined, name);
  });

  it("never makes a store whose directory would read back as another partition (a replica's partition from the wire)", async () => {
    const stores = new PartitionStores(parseBrokerConfig('[system]\ndataPath=/data\n[topic=*]\n', 'server.ini'), new MemoryFileIO(), silentLogger, systemClock);
    for (const partition of [-1, 100_000, 1.5])
      await assert.rejects(
        Promise.resolve(stores.getOrCreateReplica('t', partition, 0)),
        new RegExp(`invalid partition ${partition}: a partition is 0 to 99999`),
      );
    await assert.rejects(Promise.resolve(stores.getOrCreateReplica('../t', 0, 0)), /invalid topic name/);
    assert.equal((await stores.getOrCreateReplica('t', 99_999, 0)).dir, '/data/t-99999');
    await stores.close();
  });

  it('refuses a topic section whose name breaks the rule, and accepts patterns', () => {
    const base = '[system]\ndataPath=/tmp/x\n';
    assert.throws(
      () => parseBrokerConfig(`${base}[topic=a/b]\n`, 'server.ini'),
      /server\.ini:\d+: invalid topic section name "a\/b": a topic name is 1 to 249 characters/,
    );
    assert.throws(() => parseBrokerConfig(`${base}[topic=..]\n`, 'server.ini'), /invalid topic section name/);
    assert.equal(parseBrokerConfig(`${base}[topic=log-*]\n[topic=*]\n`, 'server.ini').topics.length, 2);
  });

  it('makes the client refuse an invalid name before it sends anything', async () => {
    const client = new MetaqClient({ serverUrl: 'meta://127.0.0.1:1' });
    try {
      await assert.rejects(
        client.producer().send({ topic: 'a/b', data: 'x' }),
        (error: unknown) => error instanceof InvalidArgumentError && /message\.topic invalid topic name "a\/b"/.test(error.message),
      );
      assert.throws(() => client.consumer({ group: 'a/b' }), /options\.group invalid group name/);
    } finally {
      await client.close();
    }
  });
});
