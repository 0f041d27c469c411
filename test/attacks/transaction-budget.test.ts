import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { MetaqClient } from '../../src/client/index.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/storage-harness.js';
import { get, put, scanPartition, WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';
import { metricsText, stopCleanly } from '../support/broker-metrics.js';

/** A wall clock the test sets; monotonic time runs as usual. */
class SetClock {
  constructor(public nowMs: number) {}
  wallMs = (): number => this.nowMs;
  monotonicMs = (): number => performance.now();
}

const payloads = async (session: WireSession, topic: string): Promise<string[]> => (await scanPartition(session, topic, 0)).map((record) => record.payload);

describe('attack: transactions and delayed puts against the budgets', () => {
  after(killAllBrokers);

  it(
    "refuses a transaction naming more new topics than maxTopics at its decision, stores none of it, and keeps a prepared one's topics reserved",
    { timeout: 120_000 },
    async () => {
      const dir = tempDir('tx-topic-budget');
      const data = join(dir, 'data');
      const config = writeConfig(dir, { dataPath: data, unflushThreshold: 0, maxTopics: 3 });
      let broker = await startBrokerProcess(config);
      let session = await WireSession.open('127.0.0.1', broker.port);
      assert.equal((await put(session, 'held', 0, 'plain')).code, 200);

      // Each put alone fits (nothing is created before commit); together they do not.
      assert.equal((await txCommand(session, 'TX:s:1', 'BEGIN')).code, 200);
      for (let i = 0; i < 5; i += 1) assert.equal((await txPut(session, 'TX:s:1', `n${i}`, 0, `tx ${i}`)).code, 200);
      const refused = await txCommand(session, 'TX:s:1', 'COMMIT_ONE_PHASE');
      assert.notEqual(refused.code, 200);
      assert.match(
        refused.text,
        /too many topics: transaction 'TX:s:1' would create 5 new topics \(n0, n1, n2, n3, n4\).*maxTopics=3.*rolled back and none of its messages stored/,
      );
      for (let i = 0; i < 5; i += 1) {
        assert.equal((await get(session, `n${i}`, 0, 0)).code, 404);
        assert.equal(existsSync(join(data, `n${i}-0`)), false, `no directory for n${i}`);
      }
      assert.notEqual((await txCommand(session, 'TX:s:1', 'COMMIT_ONE_PHASE')).code, 200, 'rolled back: nothing left to commit');

      // A prepared XA transaction holds its two new topics: no plain put or other transaction takes them.
      const xid = xaKey('budget');
      assert.equal((await txCommand(session, xid, 'BEGIN')).code, 200);
      for (const topic of ['x0', 'x1']) assert.equal((await txPut(session, xid, topic, 0, `xa ${topic}`)).code, 200);
      // Put while there is room, decided after the prepare took it.
      assert.equal((await txCommand(session, 'TX:s:2', 'BEGIN')).code, 200);
      assert.equal((await txPut(session, 'TX:s:2', 'y', 0, 'refused')).code, 200);
      assert.deepEqual(await txCommand(session, xid, 'PREPARE'), { code: 200, text: '0' });
      assert.match((await put(session, 'plain-new', 0, 'refused')).text, /too many topics.*3 topics \(counting those reserved.*maxTopics=3/);
      assert.match((await txCommand(session, 'TX:s:2', 'COMMIT_ONE_PHASE')).text, /too many topics: transaction 'TX:s:2' would create 1 new topics \(y\)/);
      const metrics = await metricsText(broker);
      assert.match(metrics, /^metaq_topics 1$/m, 'only the plain topic exists yet');
      assert.match(metrics, /^metaq_store_refusals_total\{limit="topics"\} 3$/m);
      await session.close();
      await stopCleanly(broker);

      // Reloaded prepared, its topics are reserved again, and its commit is never refused.
      broker = await startBrokerProcess(config);
      session = await WireSession.open('127.0.0.1', broker.port);
      assert.match((await put(session, 'plain-new', 0, 'refused')).text, /too many topics/);
      assert.equal((await txCommand(session, xid, 'COMMIT_TWO_PHASE')).code, 200);
      assert.deepEqual(await payloads(session, 'x0'), ['xa x0']);
      assert.deepEqual(await payloads(session, 'x1'), ['xa x1']);
      assert.match(
        (await put(session, 'plain-new', 0, 'still refused')).text,
        /too many topics: this broker holds 3 topics,/,
        'created: counted as held, no longer reserved',
      );
      await session.close();
      await stopCleanly(broker);
    },
  );

  it('refuses a put past maxTransactionBytes or maxTransactionBytesTotal, and loads prepared ones past them', { timeout: 120_000 }, async () => {
    const dir = tempDir('tx-byte-budget');
    const system = { dataPath: join(dir, 'data'), unflushThreshold: 0, maxTransactionBytes: 1024, maxTransactionBytesTotal: 2500 };
    let broker = await startBrokerProcess(writeConfig(dir, system));
    let session = await WireSession.open('127.0.0.1', broker.port);
    const kb = 'k'.repeat(600); // 728 bytes counted with the per-message overhead

    assert.equal((await txCommand(session, 'TX:s:1', 'BEGIN')).code, 200);
    assert.equal((await txPut(session, 'TX:s:1', 'big', 0, kb)).code, 200);
    const tooLarge = await txPut(session, 'TX:s:1', 'big', 0, kb);
    assert.notEqual(tooLarge.code, 200);
    assert.match(tooLarge.text, /transaction too large: 'TX:s:1' holds 728 bytes.*maxTransactionBytes=1024; the message is not added/);

    // Two more transactions of 728 bytes each: a fourth such message takes them all past 2500.
    for (const key of ['TX:s:2', 'TX:s:3']) {
      assert.equal((await txCommand(session, key, 'BEGIN')).code, 200);
      assert.equal((await txPut(session, key, 'big', 0, kb)).code, 200);
    }
    const xid = xaKey('bytes');
    assert.equal((await txCommand(session, xid, 'BEGIN')).code, 200);
    const tooMuch = await txPut(session, xid, 'big', 0, kb);
    assert.match(tooMuch.text, /too much held in transactions: open transactions on this broker hold 2184 bytes.*maxTransactionBytesTotal=2500/);
    assert.equal((await txCommand(session, 'TX:s:3', 'ROLLBACK')).code, 200);
    assert.equal((await txPut(session, xid, 'big', 0, 'xa')).code, 200, 'room again once one is rolled back');
    assert.deepEqual(await txCommand(session, xid, 'PREPARE'), { code: 200, text: '0' });
    assert.equal((await txCommand(session, 'TX:s:1', 'COMMIT_ONE_PHASE')).code, 200);
    assert.deepEqual(await payloads(session, 'big'), [kb], 'the refused message was not added');
    const metrics = await metricsText(broker);
    assert.match(metrics, /^metaq_transaction_byte_refusals_total\{limit="transaction"\} 1$/m);
    assert.match(metrics, /^metaq_transaction_byte_refusals_total\{limit="total"\} 1$/m);
    await session.close();
    await stopCleanly(broker);

    // A limit lowered below what the prepared one holds: it is loaded all the same and committed.
    broker = await startBrokerProcess(writeConfig(dir, { ...system, maxTransactionBytesTotal: 100 }));
    session = await WireSession.open('127.0.0.1', broker.port);
    assert.match(await metricsText(broker), /^metaq_transaction_bytes 130$/m);
    assert.equal((await txCommand(session, 'TX:s:4', 'BEGIN')).code, 200);
    assert.match((await txPut(session, 'TX:s:4', 'big', 0, 'x')).text, /maxTransactionBytesTotal=100/);
    assert.equal((await txCommand(session, xid, 'COMMIT_TWO_PHASE')).code, 200);
    assert.deepEqual(await payloads(session, 'big'), [kb, 'xa']);
    await session.close();
    await stopCleanly(broker);
  });

  it('delivers a delayed message to a new topic even after maxTopics filled', { timeout: 60_000 }, async () => {
    // In process: the test sets the broker's clock, so the topics fill before the message is due.
    const start = Date.parse('2026-11-24T10:00:00Z');
    const clock = new SetClock(start);
    const config = parseBrokerConfig(`[system]\ndataPath=${tempDir('delayed-budget')}\nserverPort=0\nunflushThreshold=0\nmaxTopics=2\n[topic=*]\n`, 'test.ini');
    const broker = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1', clock });
    const client = new MetaqClient({ serverUrl: broker.url, partitions: { later: 1 } });
    const session = await WireSession.open('127.0.0.1', broker.port);
    try {
      await client.producer().schedule({ topic: 'later', data: 'accepted when scheduled' }, { at: start + 60_000 });
      for (const topic of ['a', 'b']) assert.equal((await put(session, topic, 0, 'fills the budget')).code, 200);
      assert.match((await put(session, 'c', 0, 'refused')).text, /too many topics.*maxTopics=2/);
      clock.nowMs = start + 60_001;
      await eventually(async () => (await payloads(session, 'later')).length === 1, 'the delayed message delivered past maxTopics');
      assert.deepEqual(await payloads(session, 'later'), ['accepted when scheduled']);
      assert.equal(broker.delayed.pending, 0);
    } finally {
      await session.close();
      await client.close();
      await broker.stop();
    }
  });
});
