import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { TwoPhaseStep } from '../../src/client/index.js';
import type { BrokerProcess } from '../support/broker-process.js';
import { killAllBrokers, startBrokerProcess, tempDir, writeConfig } from '../support/broker-process.js';
import type { MariaDbServer } from '../support/mariadb-server.js';
import { startMariaDb } from '../support/mariadb-server.js';
import { readTopic } from '../support/read-topic.js';
import { WireSession } from '../support/wire-client.js';
import { txCommand } from '../support/wire-transactions.js';
import type { XaDebitSettings } from '../support/xa-debit.js';
import { debitAndPublish, K10_TOPIC, openXaDebitApp } from '../support/xa-debit.js';

const CHILD = fileURLToPath(new URL('../support/xa-debit.js', import.meta.url));
/** Every step of two-phase commit, in order; the commit decision is forced at `decided`. */
const STEPS: TwoPhaseStep[] = ['started', 'prepared:mariadb', 'prepared:metaq-k10', 'decided', 'committed:mariadb', 'committed:metaq-k10'];
const decidedBy = (step: TwoPhaseStep): boolean => STEPS.indexOf(step) >= STEPS.indexOf('decided');

/**
 * K10: the transaction manager, the broker and MariaDB are each crashed at every step of two-phase
 * commit. After recovery the row and the message are both present or both absent (and exactly
 * which follows from the step), and nothing is left in doubt on either side.
 */
describe('K10: XA over MariaDB and metaq, crashes at every step of two-phase commit', () => {
  let db: MariaDbServer;
  let broker: BrokerProcess;
  let config: string;
  let brokerPort: number;
  let account = 0;

  before(async () => {
    db = await startMariaDb();
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: db.port, user: 'root', database: 'test' });
    await admin.query('CREATE TABLE k10_accounts (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB');
    await admin.end();
    const dir = tempDir('k10');
    config = writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: 1, unflushThreshold: 0 }, { [K10_TOPIC]: {} });
    broker = await startBrokerProcess(config);
    brokerPort = broker.port;
  });
  after(async () => {
    await killAllBrokers();
    await db.stop();
  });

  /** A fresh account with balance 100 and the settings of a fresh manager. */
  async function scenario(): Promise<{ account: number; event: string; settings: XaDebitSettings }> {
    account += 1;
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: db.port, user: 'root', database: 'test' });
    await admin.query('INSERT INTO k10_accounts VALUES (?, 100)', [account]);
    await admin.end();
    return { account, event: `debit-${account}`, settings: { brokerPort, mariadbPort: db.port, logPath: join(tempDir('k10-tm'), 'decisions.log') } };
  }

  /** Recover as a restarted application would, then report what is there and what is in doubt. */
  async function recoverAndInspect(settings: XaDebitSettings, id: number, event: string): Promise<{ row: boolean; message: boolean }> {
    const app = await openXaDebitApp(settings);
    assert.equal(app.recovery.pending, 0, 'recovery finished every decided transaction');
    await app.close();
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: db.port, user: 'root', database: 'test' });
    const [rows] = await admin.query('SELECT balance FROM k10_accounts WHERE id = ?', [id]);
    const [doubt] = await admin.query('XA RECOVER');
    await admin.end();
    assert.deepEqual(doubt, [], 'MariaDB holds no branch in doubt');
    const session = await WireSession.open('127.0.0.1', brokerPort);
    assert.deepEqual(await txCommand(session, 'null', 'RECOVER'), { code: 200, text: '' }, 'the broker holds no branch in doubt');
    await session.close();
    const { MetaqClient } = await import('../../src/client/index.js');
    const reader = new MetaqClient({ serverUrl: `meta://127.0.0.1:${brokerPort}` });
    const messages = await readTopic(reader, K10_TOPIC);
    await reader.close();
    const balance = (rows as Array<{ balance: number }>)[0]!.balance;
    assert.ok(balance === 100 || balance === 90, `balance ${balance}`);
    assert.ok(messages.filter((m) => m === event).length <= 1, 'the event is published at most once');
    return { row: balance === 90, message: messages.includes(event) };
  }

  for (const step of STEPS) {
    it(`transaction manager killed at ${step}`, async () => {
      const { account: id, event, settings } = await scenario();
      const child = spawn(process.execPath, [CHILD, JSON.stringify({ settings, crashAt: step, account: id, event })], { stdio: 'inherit' });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, killed) => resolve(killed)));
      assert.equal(signal, 'SIGKILL', 'the manager died at the step');
      const outcome = await recoverAndInspect(settings, id, event);
      assert.deepEqual(outcome, { row: decidedBy(step), message: decidedBy(step) });
    });
  }

  for (const step of STEPS) {
    it(`broker killed at ${step}`, async () => {
      const { account: id, event, settings } = await scenario();
      const app = await openXaDebitApp({ ...settings, onStep: async (at) => void (at === step && (await broker.kill('SIGKILL'))) });
      await debitAndPublish(app, id, event).catch(() => undefined); // fails before the decision; after it, recovery finishes
      await app.close();
      broker = await startBrokerProcess(config, { port: brokerPort });
      const outcome = await recoverAndInspect(settings, id, event);
      // Before the broker prepared, its branch could not vote: rolled back. After, commit.
      const committed = STEPS.indexOf(step) >= STEPS.indexOf('prepared:metaq-k10');
      assert.deepEqual(outcome, { row: committed, message: committed });
    });
  }

  for (const step of STEPS) {
    it(`MariaDB killed at ${step}`, async () => {
      const { account: id, event, settings } = await scenario();
      const app = await openXaDebitApp({ ...settings, onStep: async (at) => void (at === step && (await db.crash())) });
      await debitAndPublish(app, id, event).catch(() => undefined);
      await app.close();
      await db.restart();
      const outcome = await recoverAndInspect(settings, id, event);
      // MariaDB prepares first: once it has, its branch survives the crash and the outcome is commit.
      const committed = STEPS.indexOf(step) >= STEPS.indexOf('prepared:mariadb');
      assert.deepEqual(outcome, { row: committed, message: committed });
    });
  }
});
