import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { startBroker } from '../support/in-process-broker.js';
import { eventually } from '../support/eventually.js';
import { put, scanPartition, WireSession } from '../support/wire-client.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

const payloads = async (session: WireSession, topic: string, partition: number): Promise<string[]> =>
  (await scanPartition(session, topic, partition)).map((record) => record.payload);

describe('transactions on the wire', () => {
  let broker: Broker;
  let session: WireSession;

  before(async () => {
    broker = await startBroker({ numPartitions: 2, maxTxTimeoutInSeconds: 30 }, '[topic=orders]\n[topic=audit]\n');
    session = await WireSession.open('127.0.0.1', broker.port);
  });
  after(async () => {
    await session.close();
    await broker.stop();
  });

  it('a local transaction is invisible until COMMIT_ONE_PHASE, then contiguous and in order', async () => {
    assert.deepEqual(await txCommand(session, 'TX:test-session:1', 'BEGIN'), { code: 200, text: '0' });
    assert.deepEqual(await txCommand(session, 'TX:test-session:1', 'BEGIN'), { code: 200, text: '0' }, 'BEGIN is idempotent');
    const first = await txPut(session, 'TX:test-session:1', 'orders', 0, 'tx-a');
    assert.equal(first.code, 200);
    assert.match(first.text, /^\d+ 0 -1$/, 'a transactional put answers offset -1');
    await put(session, 'orders', 0, 'plain-1');
    await txPut(session, 'TX:test-session:1', 'orders', 0, 'tx-b');
    await txPut(session, 'TX:test-session:1', 'audit', 1, 'tx-audit');
    assert.deepEqual(await payloads(session, 'orders', 0), ['plain-1'], 'nothing of an open transaction is visible');
    await put(session, 'orders', 0, 'plain-2');
    assert.deepEqual(await txCommand(session, 'TX:test-session:1', 'COMMIT_ONE_PHASE'), { code: 200, text: '0' });
    assert.deepEqual(await payloads(session, 'orders', 0), ['plain-1', 'plain-2', 'tx-a', 'tx-b']);
    assert.deepEqual(await payloads(session, 'audit', 1), ['tx-audit']);
    const ids = (await scanPartition(session, 'orders', 0)).length;
    assert.equal(ids, 4);
  });

  it('ROLLBACK drops every message; unknown transactions and partition -1 are refused as MetaQ does', async () => {
    await txCommand(session, 'TX:test-session:2', 'BEGIN');
    await txPut(session, 'TX:test-session:2', 'audit', 0, 'never');
    assert.deepEqual(await txCommand(session, 'TX:test-session:2', 'ROLLBACK'), { code: 200, text: '0' });
    assert.deepEqual(await payloads(session, 'audit', 0), []);
    assert.deepEqual(await txPut(session, 'TX:test-session:2', 'audit', 0, 'late'), {
      code: 500,
      text: "Local transaction 'TX:test-session:2' has not been started.",
    });
    assert.deepEqual(await txCommand(session, 'TX:test-session:2', 'COMMIT_ONE_PHASE'), {
      code: 500,
      text: "Local transaction 'TX:test-session:2' has not been started.",
    });
    await txCommand(session, 'TX:test-session:3', 'BEGIN');
    assert.deepEqual(await txPut(session, 'TX:test-session:3', 'audit', -1, 'x'), { code: 500, text: 'Invalid partition for transaction command:-1' });
    assert.deepEqual(await txPut(session, 'TX:test-session:3', 'nope', 0, 'x'), { code: 500, text: 'The server do not accept topic nope' });
    assert.deepEqual(await txCommand(session, 'TX:test-session:3', 'PREPARE'), {
      code: 500,
      text: "XAException:code=-3,msg=local transaction 'TX:test-session:3' cannot be prepared; commit it in one phase",
    });
    await txCommand(session, 'TX:test-session:3', 'ROLLBACK');
  });

  it('XA: END has no reply, PREPARE votes, RECOVER filters by qualifier, two-phase commit publishes', async () => {
    const key = xaKey('order-17', 'shop');
    assert.deepEqual(await txCommand(session, key, 'BEGIN', { qualifier: 'shop', timeout: 20 }), { code: 200, text: '0' });
    await txPut(session, key, 'orders', 1, 'xa-1');
    await txPut(session, key, 'orders', 1, 'xa-2');
    const end = session.request((opaque) => ({ kind: 'transaction', txKey: key, sessionId: 's', type: 'END', timeout: 0, uniqueQualifier: 'shop', opaque }));
    let endAnswered = false;
    void end.then(
      () => (endAnswered = true),
      () => undefined,
    );
    assert.equal(
      (await txCommand(session, key, 'COMMIT_TWO_PHASE', { qualifier: 'shop' })).text,
      'XAException:code=-6,msg=Cannot do 2 phase commit if the transaction has not been prepared',
    );
    assert.deepEqual(await txCommand(session, key, 'PREPARE', { qualifier: 'shop' }), { code: 200, text: '0' });
    assert.equal(endAnswered, false, 'END got no reply, and later requests were answered');
    assert.equal((await txCommand(session, key, 'PREPARE')).text, `XAException:code=-6,msg=XA transaction '${key}' is already prepared`);
    assert.equal(
      (await txCommand(session, key, 'COMMIT_ONE_PHASE')).text,
      `XAException:code=-6,msg=XA transaction '${key}' is prepared; commit it in two phases`,
    );
    assert.deepEqual(await txCommand(session, 'null', 'RECOVER', { qualifier: 'shop' }), { code: 200, text: key });
    assert.deepEqual(await txCommand(session, 'null', 'RECOVER', { qualifier: 'other-app' }), { code: 200, text: '' });
    assert.deepEqual(await payloads(session, 'orders', 1), [], 'prepared is not committed');
    assert.deepEqual(await txCommand(session, key, 'COMMIT_TWO_PHASE', { qualifier: 'shop' }), { code: 200, text: '0' });
    assert.deepEqual(await payloads(session, 'orders', 1), ['xa-1', 'xa-2']);
    assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: '' });
    assert.equal((await txCommand(session, key, 'COMMIT_TWO_PHASE')).text, `XAException:code=-4,msg=XA transaction '${key}' has not been started.`);
  });

  it('XA: PREPARE of an empty branch answers 3 (read-only) and ends it; an XA put to an unknown XID is refused', async () => {
    const key = xaKey('empty');
    await txCommand(session, key, 'BEGIN');
    assert.deepEqual(await txCommand(session, key, 'PREPARE'), { code: 200, text: '3' });
    assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: '' });
    assert.deepEqual(await txPut(session, xaKey('never-begun'), 'orders', 0, 'x'), {
      code: 500,
      text: `XA transaction '${xaKey('never-begun')}' has not been started.`,
    });
  });

  it('an XA branch begun on one connection is prepared and committed from another', async () => {
    const key = xaKey('handover');
    const other = await WireSession.open('127.0.0.1', broker.port);
    await txCommand(other, key, 'BEGIN');
    await txPut(other, key, 'audit', 0, 'handed-over');
    await txCommand(other, key, 'PREPARE');
    await other.close();
    assert.deepEqual(await txCommand(session, key, 'COMMIT_TWO_PHASE'), { code: 200, text: '0' });
    assert.deepEqual(await payloads(session, 'audit', 0), ['handed-over']);
  });

  it('a local transaction is rolled back when its connection drops (MetaQ never did)', async () => {
    const other = await WireSession.open('127.0.0.1', broker.port);
    await txCommand(other, 'TX:dropped:1', 'BEGIN', { sessionId: 'dropped' });
    await txPut(other, 'TX:dropped:1', 'audit', 1, 'orphan');
    assert.ok(broker.transactions.list().some((tx) => tx.key === 'TX:dropped:1'));
    await other.close();
    await eventually(() => !broker.transactions.list().some((tx) => tx.key === 'TX:dropped:1'), 'rollback of the dropped connection’s transaction');
    assert.deepEqual(await payloads(session, 'audit', 1), ['tx-audit']);
  });

  it('a transaction not prepared within its timeout is rolled back; stats transactions lists open ones', async () => {
    const key = xaKey('slow');
    await txCommand(session, key, 'BEGIN', { timeout: 1 });
    await txPut(session, key, 'orders', 0, 'too-slow');
    const stats = await session.request((opaque) => ({ kind: 'stats', item: 'transactions', opaque }));
    assert.match(stats.body.toString(), new RegExp(`${key} IN_USE 1 \\d+`));
    await eventually(() => !broker.transactions.list().some((tx) => tx.key === key), 'timeout rollback');
    assert.equal((await txCommand(session, key, 'PREPARE')).text, `XAException:code=-4,msg=XA transaction '${key}' has not been started.`);
    assert.ok(!(await payloads(session, 'orders', 0)).includes('too-slow'));
  });
});
