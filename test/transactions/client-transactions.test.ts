import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Broker } from '../../src/broker/broker.js';
import { MariaDbXaResource, MetaqClient, XaTransactionManager } from '../../src/client/index.js';
import type { XaProducer } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';
import { readTopic } from '../support/read-topic.js';

describe('client transactions', () => {
  let broker: Broker;
  let client: MetaqClient;

  before(async () => {
    broker = await startBroker({ numPartitions: 2 }, '[topic=events]\n[topic=payments]\n[topic=other]\n');
    client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}`, partitions: { events: 2, payments: 2, other: 2 } });
  });
  after(async () => {
    await client.close();
    await broker.stop();
  });

  it('a local transaction: nothing visible until commit, then every message', async () => {
    const producer = client.producer();
    producer.beginTransaction();
    assert.throws(() => producer.beginTransaction(), /still open on this producer/);
    for (const n of [1, 2, 3, 4]) {
      const result = await producer.send({ topic: 'events', data: `local-${n}` });
      assert.equal(result.offset, -1, 'a transactional send has no offset yet');
    }
    assert.deepEqual(await readTopic(client, 'events', 2), []);
    await producer.commit();
    assert.deepEqual((await readTopic(client, 'events', 2)).sort(), ['local-1', 'local-2', 'local-3', 'local-4']);
    await assert.rejects(producer.commit(), /needs a transaction: call beginTransaction\(\) first/);
  });

  it('a local transaction rolled back leaves nothing; the producer sends normally afterwards', async () => {
    const producer = client.producer();
    producer.beginTransaction({ timeoutSeconds: 10 });
    await producer.send({ topic: 'other', data: 'discarded' });
    await producer.rollback();
    assert.equal(producer.inTransaction, false);
    await producer.send({ topic: 'other', data: 'plain' });
    assert.deepEqual(await readTopic(client, 'other', 2), ['plain']);
  });

  it('direct mode without configured partitions: a transactional send goes to a partition the broker named', async () => {
    const bare = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    try {
      const producer = bare.producer();
      producer.beginTransaction();
      const sent = await producer.send({ topic: 'events', data: 'x' });
      assert.ok(sent.partition.index >= 0);
      await producer.rollback();
    } finally {
      await bare.close();
    }
  });

  describe('XA with MariaDB', () => {
    const db = mysql.createPool({ host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 1 });
    let branchConnection: mysql.Connection;
    let producer: XaProducer;
    let manager: XaTransactionManager;
    const table = `xa_accounts_${process.pid}`;

    before(async () => {
      await db.query(`CREATE TABLE IF NOT EXISTS ${table} (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB`);
      await db.query(`REPLACE INTO ${table} VALUES (1, 100)`);
      branchConnection = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: 'test' });
      producer = client.xaProducer({ topics: ['payments'], uniqueQualifier: 'client-test' });
      ({ manager } = await XaTransactionManager.open({
        name: 'client-test',
        logPath: join(tempDir('tm'), 'decisions.log'),
        resources: [new MariaDbXaResource('mariadb', branchConnection), producer],
      }));
    });
    after(async () => {
      await manager.close();
      await branchConnection.end();
      await db.query(`DROP TABLE IF EXISTS ${table}`);
      await db.end();
    });

    const balance = async (): Promise<number> => {
      const [rows] = await db.query(`SELECT balance FROM ${table} WHERE id = 1`);
      return (rows as Array<{ balance: number }>)[0]!.balance;
    };

    it('debit the row and publish the event atomically', async () => {
      await manager.run(async () => {
        await branchConnection.query(`UPDATE ${table} SET balance = balance - 30 WHERE id = 1`);
        await producer.send({ topic: 'payments', data: 'debited 30' });
      });
      assert.equal(await balance(), 70);
      assert.deepEqual(await readTopic(client, 'payments', 2), ['debited 30']);
    });

    it('a failure inside the work rolls back both', async () => {
      await assert.rejects(
        manager.run(async () => {
          await branchConnection.query(`UPDATE ${table} SET balance = balance - 50 WHERE id = 1`);
          await producer.send({ topic: 'payments', data: 'never' });
          throw new Error('insufficient funds after all');
        }),
        /insufficient funds/,
      );
      assert.equal(await balance(), 70);
      assert.deepEqual(await readTopic(client, 'payments', 2), ['debited 30']);
      const [doubtful] = await db.query('XA RECOVER');
      assert.equal((doubtful as unknown[]).length, 0, 'nothing in doubt in MariaDB');
      assert.equal(broker.transactions.list().length, 0, 'nothing in doubt on the broker');
    });
  });
});
