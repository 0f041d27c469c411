import assert from 'node:assert/strict';
import { unlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { partitionBatch } from '../../src/broker/transactions/partition-batch.js';
import { checksum } from '../../src/common/checksum.js';
import { CommandDecoder } from '../../src/protocol/decoder.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { TransactionJournal } from '../../src/storage/transaction-journal.js';
import { stateDirectory } from '../../src/broker/state-directory.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';
import { silentLogger } from '../support/storage-harness.js';
import { put, scanPartition, WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';
import { appendRecord } from '../../src/storage/append-promise.js';

const TOPICS = '[topic=orders]\n';

async function withBroker<T>(dataPath: string, work: (session: WireSession, broker: Broker) => Promise<T>): Promise<T> {
  const broker = await startBroker({ dataPath, numPartitions: 1 }, TOPICS);
  const session = await WireSession.open('127.0.0.1', broker.port);
  try {
    return await work(session, broker);
  } finally {
    await session.close();
    await broker.stop();
  }
}

const payloads = async (session: WireSession): Promise<string[]> => (await scanPartition(session, 'orders', 0)).map((record) => record.payload);

/** Leave a prepared XA transaction of `messages` in `dataPath`, after one plain message. */
async function leavePrepared(dataPath: string, key: string, messages: string[]): Promise<void> {
  await withBroker(dataPath, async (session) => {
    await put(session, 'orders', 0, 'before');
    await txCommand(session, key, 'BEGIN');
    for (const message of messages) await txPut(session, key, 'orders', 0, message);
    assert.equal((await txCommand(session, key, 'PREPARE')).text, '0');
  });
}

/**
 * Journal a commit of `key` by hand, as a broker that died right after forcing its commit record
 * would have left it; `writeFirst` also writes the batch's first record, as a write torn after it.
 */
async function journalCommitWithoutBatch(dataPath: string, key: string, writeFirst: boolean): Promise<void> {
  const io = new NodeFileIO();
  const { journal, replay } = await TransactionJournal.open({
    dir: join(stateDirectory(dataPath), 'transactions'),
    io,
    logger: silentLogger,
    flushMode: 1,
    maxCheckpoints: 3,
  });
  const messages = replay.flatMap(({ record }) => {
    if (record.kind !== 'append') return [];
    const [command] = new CommandDecoder().push(record.putFrame);
    if (command?.kind !== 'put' || command.txKey !== key) return [];
    return [{ topic: 'orders', partition: 0, id: record.messageId, flag: command.flag, checksum: checksum(command.body), payload: command.body }];
  });
  const log = await PartitionLog.open({
    dir: join(dataPath, 'orders-0'),
    io,
    logger: silentLogger,
    unflushThreshold: 0,
    unflushInterval: 1000,
    maxSegmentSize: 1024 * 1024,
  });
  const batch = partitionBatch(log, 'orders-0', messages);
  if (writeFirst) await appendRecord(log, messages[0]!.payload, messages[0]!.flag, messages[0]!.id, messages[0]!.checksum);
  await log.close();
  await journal.append({ kind: 'operation', type: 'XA_COMMIT', wasPrepared: true, txKey: key, locations: [batch.location], force: true });
  await journal.close();
}

describe('transaction journal recovery (K9)', () => {
  it('a prepared XA transaction survives a restart and RECOVER lists it; open local and unprepared XA ones are rolled back', async () => {
    const dataPath = tempDir('tx-restart');
    const prepared = xaKey('kept', 'app');
    const unprepared = xaKey('dropped', 'app');
    await withBroker(dataPath, async (session) => {
      await txCommand(session, prepared, 'BEGIN', { qualifier: 'app' });
      await txPut(session, prepared, 'orders', 0, 'prepared-1');
      await txCommand(session, prepared, 'PREPARE');
      await txCommand(session, unprepared, 'BEGIN');
      await txPut(session, unprepared, 'orders', 0, 'unprepared-1');
      await txCommand(session, 'TX:s:1', 'BEGIN');
      await txPut(session, 'TX:s:1', 'orders', 0, 'local-1');
    });
    await withBroker(dataPath, async (session, broker) => {
      assert.deepEqual(await txCommand(session, 'null', 'RECOVER', { qualifier: 'app' }), { code: 200, text: prepared });
      assert.deepEqual(
        broker.transactions.list().map((tx) => `${tx.key} ${tx.state}`),
        [`${prepared} PREPARED`],
      );
      assert.deepEqual(await payloads(session), []);
      assert.equal((await txCommand(session, unprepared, 'PREPARE')).text, `XAException:code=-4,msg=XA transaction '${unprepared}' has not been started.`);
      assert.deepEqual(await txCommand(session, prepared, 'COMMIT_TWO_PHASE'), { code: 200, text: '0' });
      assert.deepEqual(await payloads(session), ['prepared-1']);
    });
    await withBroker(dataPath, async (session) => {
      assert.deepEqual(await payloads(session), ['prepared-1'], 'a commit is not replayed twice');
      assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: '' });
    });
  });

  for (const { name, torn } of [
    { name: 'a commit journaled before its batch was written is finished at start-up, exactly once', torn: false },
    { name: 'a batch torn after its first record is cut and written again whole', torn: true },
  ]) {
    it(name, async () => {
      const dataPath = tempDir(torn ? 'tx-torn' : 'tx-redo');
      const key = xaKey(torn ? 'torn' : 'redo');
      await leavePrepared(dataPath, key, ['m-1', 'm-2', 'm-3']);
      await journalCommitWithoutBatch(dataPath, key, torn);
      await withBroker(dataPath, async (session) => {
        assert.deepEqual(await payloads(session), ['before', 'm-1', 'm-2', 'm-3']);
        assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: '' });
      });
    });
  }

  it('replaying a commit whose batch is in place writes nothing again', async () => {
    const dataPath = tempDir('tx-replay');
    await withBroker(dataPath, async (session) => {
      await txCommand(session, 'TX:s:1', 'BEGIN');
      await txPut(session, 'TX:s:1', 'orders', 0, 'once-1');
      await txPut(session, 'TX:s:1', 'orders', 0, 'once-2');
      await txCommand(session, 'TX:s:1', 'COMMIT_ONE_PHASE');
    });
    // Without checkpoints the whole journal is replayed, commit record included.
    const dir = join(stateDirectory(dataPath), 'transactions');
    for (const name of readdirSync(dir).filter((n) => n.startsWith('checkpoint.'))) unlinkSync(join(dir, name));
    await withBroker(dataPath, async (session) => {
      assert.deepEqual(await payloads(session), ['once-1', 'once-2']);
    });
  });

  it('heuristic completion: remembered across restarts, reported to the coordinator, forgotten on FORGET', async () => {
    const dataPath = tempDir('tx-heuristic');
    const committed = xaKey('heur-commit');
    const rolledBack = xaKey('heur-rollback');
    await withBroker(dataPath, async (session) => {
      for (const [key, body] of [
        [committed, 'h-commit'],
        [rolledBack, 'h-rollback'],
      ] as const) {
        await txCommand(session, key, 'BEGIN');
        await txPut(session, key, 'orders', 0, body);
        await txCommand(session, key, 'PREPARE');
      }
      assert.deepEqual(await txCommand(session, committed, 'HEURISTIC_COMMIT'), { code: 200, text: '0' });
      assert.deepEqual(await txCommand(session, rolledBack, 'HEURISTIC_ROLLBACK'), { code: 200, text: '0' });
      assert.match((await txCommand(session, xaKey('unknown'), 'HEURISTIC_COMMIT')).text, /only a prepared XA transaction can be completed by hand/);
      assert.deepEqual(await payloads(session), ['h-commit']);
    });
    await withBroker(dataPath, async (session) => {
      assert.deepEqual((await txCommand(session, 'null', 'RECOVER')).text.split('\r\n').sort(), [committed, rolledBack].sort());
      assert.equal((await txCommand(session, committed, 'COMMIT_TWO_PHASE')).text.split(',')[0], 'XAException:code=7');
      assert.equal((await txCommand(session, rolledBack, 'COMMIT_TWO_PHASE')).text.split(',')[0], 'XAException:code=6');
      assert.equal((await txCommand(session, committed, 'ROLLBACK')).text.split(',')[0], 'XAException:code=7');
      assert.deepEqual(await txCommand(session, committed, 'FORGET'), { code: 200, text: '0' });
      assert.deepEqual(await txCommand(session, rolledBack, 'FORGET'), { code: 200, text: '0' });
      assert.equal((await txCommand(session, rolledBack, 'FORGET')).text.split(',')[0], 'XAException:code=-4');
      assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: '' });
      assert.deepEqual(await payloads(session), ['h-commit']);
    });
  });
});
