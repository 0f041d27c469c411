import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminServer } from '../../src/admin/admin-server.js';
import { UserBook } from '../../src/broker/auth/user-book.js';
import type { UserRights } from '../../src/broker/auth/user-book.js';
import { NodeFileIO } from '../../src/storage/io/node-file-io.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { brokerFleet, brokerIni } from '../support/replica-pair.js';
import { scanPartition, WireSession } from '../support/wire-client.js';
import { logIn } from '../support/wire-login.js';
import { txCommand, txPut, xaKey } from '../support/wire-transactions.js';

const PASSWORD = 'correct horse battery';
/** alice and bob share one topic; each has one of its own; root is an admin; legacy is legacyPort's user. */
const USERS: Record<string, Partial<UserRights>> = {
  alice: { publish: ['orders', 'shared'] },
  bob: { publish: ['bobs', 'shared'] },
  root: { admin: true },
  legacy: { publish: ['orders'] },
};

async function usersFile(dir: string): Promise<string> {
  const path = join(dir, 'users.json');
  const book = await UserBook.open(new NodeFileIO(), path);
  for (const [name, rights] of Object.entries(USERS))
    await book.put(name, PASSWORD, { publish: rights.publish ?? [], subscribe: rights.subscribe ?? [], admin: rights.admin ?? false });
  return path;
}

async function session(port: number, user: string): Promise<WireSession> {
  const opened = await WireSession.open('127.0.0.1', port);
  await logIn(opened, user, PASSWORD);
  return opened;
}

/** BEGIN, one put, PREPARE: an XA branch left in doubt, as a coordinator leaves it between its phases. */
async function prepared(owner: WireSession, key: string, topic: string, payload: string): Promise<void> {
  assert.equal((await txCommand(owner, key, 'BEGIN')).code, 200);
  assert.equal((await txPut(owner, key, topic, 0, payload)).code, 200);
  assert.deepEqual(await txCommand(owner, key, 'PREPARE'), { code: 200, text: '0' });
}

/** RECOVER as `who`, of one application's XIDs (its unique qualifier) or of all. */
const recovered = async (who: WireSession, qualifier?: string): Promise<string[]> =>
  (await txCommand(who, 'null', 'RECOVER', { qualifier })).text.split('\r\n').filter((key) => key !== '');
const payloads = async (reader: WireSession, topic: string): Promise<string[]> => (await scanPartition(reader, topic, 0)).map((record) => record.payload);

describe("attack: deciding or listing another user's transaction ([auth] on, broker process, default settings)", { timeout: 120_000 }, () => {
  const dir = tempDir('tx-rights');
  let configPath: string;
  let broker: BrokerProcess;
  const open: WireSession[] = [];
  const as = async (user: string): Promise<WireSession> => {
    const opened = await session(broker.port, user);
    open.push(opened);
    return opened;
  };

  before(async () => {
    configPath = writeConfig(dir, { dataPath: join(dir, 'data') });
    appendFileSync(
      configPath,
      `[auth]\nenabled=true\nusersFile=${await usersFile(dir)}\nbrokerUser=root\nbrokerPassword=replication-secret\n[http]\ntoken=admin-token-secret\n`,
    );
    broker = await startBrokerProcess(configPath);
  });
  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await killAllBrokers();
  });

  it('another user neither sees, commits, rolls back, joins nor adds to a transaction (401 naming its owner); its owner and an admin can', async () => {
    const [alice, bob, root] = [await as('alice'), await as('bob'), await as('root')];
    const [first, second, open3] = [xaKey('rights-1', 'shop'), xaKey('rights-2', 'shop'), xaKey('rights-3', 'shop')];
    await prepared(alice, first, 'orders', 'alice 1');
    await prepared(alice, second, 'orders', 'alice 2');
    assert.equal((await txCommand(alice, open3, 'BEGIN')).code, 200);
    assert.equal((await txPut(alice, open3, 'shared', 0, 'alice shared')).code, 200);

    assert.deepEqual(await recovered(bob), [], "RECOVER lists none of alice's XIDs to bob");
    for (const type of ['COMMIT_TWO_PHASE', 'ROLLBACK', 'BEGIN'] as const) {
      const refused = await txCommand(bob, first, type);
      assert.equal(refused.code, 401, `${type} by bob`);
      assert.match(
        refused.text,
        new RegExp(
          `access denied: transaction '${first}' belongs to user alice; only user alice or an admin may (commit|roll back|join) this transaction, and user bob is neither`,
        ),
      );
    }
    assert.equal((await txCommand(bob, open3, 'PREPARE')).code, 401);
    assert.equal((await txCommand(bob, open3, 'COMMIT_ONE_PHASE')).code, 401);
    const injected = await txPut(bob, open3, 'shared', 0, 'bob injected');
    assert.notEqual(injected.code, 200, "bob may publish to shared, but not inside alice's transaction");
    assert.match(injected.text, /belongs to user alice; only the user who began it may put messages in it/);

    assert.deepEqual((await recovered(alice)).sort(), [first, second].sort(), 'alice lists her own');
    assert.deepEqual((await recovered(root)).sort(), [first, second].sort(), 'an admin lists every one');
    assert.deepEqual(await txCommand(alice, open3, 'PREPARE'), { code: 200, text: '0' });
    assert.equal((await txCommand(alice, first, 'COMMIT_TWO_PHASE')).code, 200);
    assert.equal((await txCommand(root, second, 'ROLLBACK')).code, 200, "an admin may finish anyone's");
    assert.equal((await txCommand(root, open3, 'COMMIT_TWO_PHASE')).code, 200);
    // Reads serve flushed messages only (unflushThreshold): wait for the commits to be readable;
    // anything bob's refused commands had stored would come before them.
    await eventually(async () => (await payloads(root, 'orders')).length > 0 && (await payloads(root, 'shared')).length > 0, 'the committed messages readable');
    assert.deepEqual(await payloads(root, 'orders'), ['alice 1'], 'the rolled-back one never appears');
    assert.deepEqual(await payloads(root, 'shared'), ['alice shared'], "bob's put never joined it");
  });

  it("lists every user's open transactions (stats transactions) to an admin only, and never shows a secret of server.ini", async () => {
    const [bob, root] = [await as('bob'), await as('root')];
    const listing = (who: WireSession) => who.request((opaque) => ({ kind: 'stats', item: 'transactions', opaque }));
    const refused = await listing(bob);
    assert.equal(refused.kind === 'result' && refused.code, 401);
    assert.match(refused.body.toString(), /user bob has no admin rights/);
    const listed = await listing(root);
    assert.equal(listed.kind === 'result' && listed.code, 200);
    for (const item of ['reset', 'reset\t', 'transactions\t']) {
      const reset = await bob.request((opaque) => ({ kind: 'stats', item, opaque }));
      assert.equal(reset.kind === 'result' && reset.code, 401, JSON.stringify(item));
    }
    const config = await bob.request((opaque) => ({ kind: 'stats', item: 'config', opaque }));
    assert.match(config.body.toString(), /^token=<hidden>$/m);
    assert.match(config.body.toString(), /^brokerPassword=<hidden>$/m);
    assert.doesNotMatch(config.body.toString(), /admin-token-secret|replication-secret/);
  });

  it('a prepared transaction still belongs to its user after a restart (the owner is in the journal)', async () => {
    const key = xaKey('rights-restart', 'restarted'); // its own qualifier: what the first test left aside
    await prepared(await as('alice'), key, 'orders', 'kept over a restart');
    await Promise.all(open.splice(0).map((s) => s.close()));
    await broker.kill('SIGKILL');
    broker = await startBrokerProcess(configPath, { port: broker.port });

    const [alice, bob, root] = [await as('alice'), await as('bob'), await as('root')];
    assert.deepEqual(await recovered(bob, 'restarted'), []);
    for (const type of ['COMMIT_TWO_PHASE', 'ROLLBACK'] as const) {
      const refused = await txCommand(bob, key, type);
      assert.equal(refused.code, 401, `${type} by bob after the restart`);
      assert.match(refused.text, /belongs to user alice/);
    }
    assert.deepEqual(await recovered(root, 'restarted'), [key]);
    assert.deepEqual(await recovered(alice, 'restarted'), [key], 'alice still sees her own after the restart');
    assert.equal((await txCommand(alice, key, 'COMMIT_TWO_PHASE')).code, 200);
    await eventually(async () => (await payloads(root, 'orders')).includes('kept over a restart'), 'the committed message readable');
  });
});

describe('a transaction prepared with no owner recorded ([auth] turned on over an existing journal)', { timeout: 60_000 }, () => {
  after(killAllBrokers);

  it('is listed and finished by an admin only', async () => {
    const dir = tempDir('tx-unowned');
    const configPath = writeConfig(dir, { dataPath: join(dir, 'data') });
    let broker = await startBrokerProcess(configPath);
    const key = xaKey('prepared-before-auth', 'legacy-app');
    const anonymous = await WireSession.open('127.0.0.1', broker.port);
    await prepared(anonymous, key, 'orders', 'prepared with [auth] off');
    await anonymous.close();
    await broker.kill('SIGKILL');
    appendFileSync(configPath, `[auth]\nenabled=true\nusersFile=${await usersFile(dir)}\n`);
    broker = await startBrokerProcess(configPath, { port: broker.port });

    const [alice, root] = [await session(broker.port, 'alice'), await session(broker.port, 'root')];
    try {
      assert.deepEqual(await recovered(alice, 'legacy-app'), []);
      const refused = await txCommand(alice, key, 'COMMIT_TWO_PHASE');
      assert.equal(refused.code, 401);
      assert.match(refused.text, /has no recorded owner .*; only an admin may commit this transaction, and user alice is neither/);
      assert.deepEqual(await recovered(root, 'legacy-app'), [key]);
      assert.equal((await txCommand(root, key, 'COMMIT_TWO_PHASE')).code, 200);
      await eventually(async () => (await payloads(root, 'orders')).includes('prepared with [auth] off'), "the admin's commit readable");
    } finally {
      await Promise.all([alice.close(), root.close()]);
    }
  });
});

describe('transactions and rights changed while they are open ([auth] on, admin API)', { timeout: 60_000 }, () => {
  const fleet = brokerFleet();
  const open: WireSession[] = [];
  after(async () => {
    await Promise.all(open.map((s) => s.close()));
    await fleet.closeAll();
  });

  it("refuses (and rolls back) a prepare or one-phase commit whose owner lost the publish right; the admin API still needs its token; legacyUser owns legacyPort's", async () => {
    const dir = tempDir('tx-revoked');
    const broker = await fleet.start(
      brokerIni({}, {}, `[auth]\nenabled=true\nusersFile=${await usersFile(dir)}\nlegacyPort=${await freePort()}\nlegacyUser=legacy\n`),
    );
    const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token: 'admin-token' });
    const call = (method: string, path: string, body?: unknown, token = 'admin-token') =>
      fetch(`${admin.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      const [alice, bob, root] = await Promise.all(['alice', 'bob', 'root'].map((user) => session(broker.port, user)));
      open.push(alice!, bob!, root!);
      const [xa, local, kept] = [xaKey('revoked-xa', 'shop'), 'TX:alice-session:1', xaKey('heuristic', 'shop')];
      for (const key of [xa, local]) {
        assert.equal((await txCommand(alice!, key, 'BEGIN')).code, 200);
        assert.equal((await txPut(alice!, key, 'shared', 0, `before the revoke ${key}`)).code, 200);
      }
      const deniedBefore = broker.counters.accessDenials.publish;
      assert.equal((await call('PUT', '/users/alice', { password: PASSWORD, publish: ['orders'] })).status, 200, 'shared taken from alice');

      const refusedPrepare = await txCommand(alice!, xa, 'PREPARE');
      assert.equal(refusedPrepare.code, 500);
      assert.match(
        refusedPrepare.text,
        /^XAException:code=104,msg=access denied: user alice, who began it, may no longer publish to topic shared;.* was rolled back and none of its messages stored$/,
      );
      const refusedCommit = await txCommand(alice!, local, 'COMMIT_ONE_PHASE');
      assert.match(refusedCommit.text, /may no longer publish to topic shared/);
      assert.ok(broker.counters.accessDenials.publish >= deniedBefore + 2, 'counted as publish denials');
      assert.deepEqual(await recovered(root!), [], 'the refused prepare left nothing in doubt');
      assert.deepEqual(await payloads(root!, 'shared'), []);

      // The operator's routes: token needed; a heuristic outcome keeps its owner for RECOVER and FORGET.
      await prepared(alice!, kept, 'orders', 'committed by an operator');
      assert.equal((await call('GET', '/transactions', undefined, 'wrong-token')).status, 401);
      const listed = (await (await call('GET', '/transactions')).json()) as { transactions: Array<{ key: string; state: string; owner?: string }> };
      assert.deepEqual(
        listed.transactions.map(({ key, state, owner }) => ({ key, state, owner })),
        [{ key: kept, state: 'PREPARED', owner: 'alice' }],
      );
      assert.equal((await call('POST', `/transactions/${encodeURIComponent(kept)}/commit`, undefined, 'wrong-token')).status, 401);
      assert.equal((await call('POST', `/transactions/${encodeURIComponent(kept)}/commit`)).status, 200);
      assert.deepEqual(await recovered(bob!), []);
      assert.deepEqual(await recovered(alice!), [kept], 'the heuristic outcome is listed to its owner');
      assert.equal((await txCommand(bob!, kept, 'FORGET')).code, 401);
      assert.equal((await txCommand(alice!, kept, 'FORGET')).code, 200);
      assert.deepEqual(await payloads(root!, 'orders'), ['committed by an operator']);

      // On legacyPort (no login) a transaction belongs to legacyUser.
      const old = await WireSession.open('127.0.0.1', broker.legacyPort!);
      open.push(old);
      const fromOld = xaKey('from-an-old-client', 'old-app');
      await prepared(old, fromOld, 'orders', 'from an old client');
      assert.match((await txCommand(bob!, fromOld, 'ROLLBACK')).text, /belongs to user legacy/);
      assert.deepEqual(await recovered(old, 'old-app'), [fromOld]);
      assert.equal((await txCommand(old, fromOld, 'COMMIT_TWO_PHASE')).code, 200);
    } finally {
      await admin.close();
    }
  });
});
