import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBrokerConfig, topicSettings } from '../../src/broker/config/broker-config.js';
import { loadBrokerConfig } from '../../src/broker/config/load-config.js';
import { ConfigError } from '../../src/common/errors.js';
import { evaluateIntegerExpression } from '../../src/common/config-expression.js';

const base = '[system]\nbrokerId=1\n';

describe('server.ini', () => {
  it('gives every [system] key its MetaQ default', () => {
    const { system, zookeeper } = parseBrokerConfig(`${base}[topic=t]\n`, 'server.ini');
    assert.equal(system.serverPort, 8123);
    assert.equal(system.unflushThreshold, 1000);
    assert.equal(system.unflushInterval, 10000);
    assert.equal(system.maxSegmentSize, 1073741824);
    assert.equal(system.maxTransferSize, 1048576);
    assert.equal(system.deletePolicy, 'delete,168');
    assert.equal(system.deleteWhen, '0 0 6,18 * * ?');
    assert.equal(system.flushTxLogAtCommit, 1);
    assert.equal(system.stat, false);
    assert.equal(system.updateConsumerOffsets, false);
    assert.equal(zookeeper['zk.zkRoot'], '/meta');
    assert.equal(zookeeper['zk.zkSessionTimeoutMs'], 30000);
  });

  it('bounds the graceful stop by shutdownTimeoutMs: 30 s unless set, at least 1 ms', () => {
    assert.equal(parseBrokerConfig(`${base}[topic=t]\n`, 'server.ini').system.shutdownTimeoutMs, 30_000);
    assert.equal(parseBrokerConfig(`${base}shutdownTimeoutMs=500\n[topic=t]\n`, 'server.ini').system.shutdownTimeoutMs, 500);
    assert.throws(() => parseBrokerConfig(`${base}shutdownTimeoutMs=0\n[topic=t]\n`, 'server.ini'), ConfigError);
  });

  it('without a server.ini: one broker that accepts any topic, in group commit', async () => {
    const config = await loadBrokerConfig(undefined);
    assert.equal(config.file, undefined);
    assert.deepEqual([config.system.brokerId, config.system.numPartitions, config.system.unflushThreshold], [0, 1, 0]);
    assert.equal(topicSettings(config, 'anything')?.unflushThreshold, 0, 'every topic commits each put before its ack');
  });

  it('evaluates expressions, treats blank as inherit, ignores unknown sections and comments', () => {
    const config = parseBrokerConfig(
      `; comment\n${base}maxSegmentSize=512*1024*1024\nunflushInterval=\n[slave]\nanything=1\n[topic=log-*]\nnumPartitions=4\nunflushThreshold=0\ngroup.audit=com.example.Filter\n`,
      'server.ini',
    );
    assert.equal(config.system.maxSegmentSize, 536870912);
    assert.equal(config.system.unflushInterval, 10000);
    const settings = topicSettings(config, 'log-a');
    assert.equal(settings?.numPartitions, 4);
    assert.equal(settings?.unflushThreshold, 0);
    assert.equal(topicSettings(config, 'other'), undefined);
    assert.equal(config.topics[0]?.filters.get('audit'), 'com.example.Filter');
    assert.equal(evaluateIntegerExpression('(2+3)*4-1'), 19);
  });

  const errors: Array<[string, string, RegExp]> = [
    [
      'unknown key names file, line and the closest key',
      `${base}unflushTreshold=10\n[topic=t]\n`,
      /^server\.ini:3: unknown key "unflushTreshold" in \[system\], did you mean 'unflushThreshold'\?$/,
    ],
    ['unknown topic key', `${base}[topic=t]\nnumPartition=2\n`, /server\.ini:4: unknown key "numPartition" in \[topic=t\], did you mean 'numPartitions'\?/],
    ['bad number', `${base}serverPort=eighty\n[topic=t]\n`, /server\.ini:3: serverPort must be an integer/],
    ['out of range', `${base}brokerId=2000\n[topic=t]\n`, /server\.ini:3: brokerId is 2000 but must be between 0 and 1023/],
    ['bad boolean', `${base}stat=yes\n[topic=t]\n`, /server\.ini:3: stat must be true or false/],
    ['no topics', base, /no \[topic=<name>\] section/],
    ['bad policy', `${base}deletePolicy=shred,1\n[topic=t]\n`, /unknown policy "shred"/],
    ['bad cron', `${base}[topic=t]\ndeleteWhen=every day\n`, /\[topic=t\]/],
    ['key outside a section', 'brokerId=1\n', /server\.ini:1: "brokerId=1" comes before any \[section\]/],
    ['duplicate topic', `${base}[topic=t]\n[topic=t]\n`, /server\.ini:4: topic t is configured twice/],
    [
      'body budget below the largest body',
      `${base}maxBodyBytesInFlight=1024\n[topic=t]\n`,
      /maxBodyBytesInFlight \(1024\) is less than maxRequestBodySize \(16777216\): the largest body could never be read/,
    ],
  ];
  for (const [name, text, message] of errors) {
    it(`stops with a clear error: ${name}`, () => {
      assert.throws(
        () => parseBrokerConfig(text, 'server.ini'),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }
});
