import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import { tempDir } from '../support/broker-process.js';
import { startBroker } from '../support/in-process-broker.js';
import { readTopic } from '../support/read-topic.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/debit-and-publish.js', import.meta.url));

describe('examples/debit-and-publish', () => {
  let broker: Broker;
  const account = 100_000 + (process.pid % 100_000);
  const db = mysql.createPool({ host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 1 });

  before(async () => {
    broker = await startBroker({ numPartitions: 1 }, '[topic=payments]\n');
  });
  after(async () => {
    await db.query('DELETE FROM accounts WHERE id = ?', [account]).catch(() => undefined);
    await db.end();
    await broker.stop();
  });

  const run = (amount: number) =>
    promisify(execFile)(process.execPath, [EXAMPLE, String(account), String(amount)], {
      env: { ...process.env, METAQ_URL: `meta://127.0.0.1:${broker.port}`, TM_LOG: join(tempDir('example'), 'decisions') },
    });

  it('debits the row and publishes the event together; a refused debit does neither', async () => {
    assert.match((await run(30)).stdout, new RegExp(`debited 30 from account ${account}`));
    await assert.rejects(run(1000), (error: { stdout: string }) => /nothing happened: account \d+ has 70, cannot debit 1000/.test(error.stdout));
    const [rows] = await db.query('SELECT balance FROM accounts WHERE id = ?', [account]);
    assert.equal((rows as Array<{ balance: number }>)[0]!.balance, 70);
    const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${broker.port}` });
    assert.deepEqual(await readTopic(client, 'payments'), [JSON.stringify({ account, debited: 30, balance: 70 })]);
    await client.close();
  });
});
