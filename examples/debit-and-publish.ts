// Debit an account row in MariaDB and publish the "debited" event to metaq in one XA
// transaction: both happen or neither does, even if this process, the broker or the database
// crashes half-way (the manager's recovery finishes or undoes what was left in doubt).
//
//   npm run build && node dist/examples/debit-and-publish.js [ACCOUNT] [AMOUNT]
//
// Needs a broker (`npm start`) with the topic `payments`, or [topic=*], and MariaDB; set
// METAQ_URL and MARIADB_URL to point elsewhere. It imports the package by name, as an application
// does (`npm install metaq`).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { MariaDbXaResource, MetaqClient, XaTransactionManager } from 'metaq';

const account = Number(process.argv[2] ?? 1);
const amount = Number(process.argv[3] ?? 10);

// Direct mode must be told the topic's partitions: a transactional send names its partition.
const client = new MetaqClient({ serverUrl: process.env.METAQ_URL ?? 'meta://127.0.0.1:8123', partitions: { payments: 1 } });
const mariadbUrl = process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
// The XA branch needs a connection of its own: XA state belongs to the database session.
const branch = await mysql.createConnection(mariadbUrl);
await branch.query('CREATE TABLE IF NOT EXISTS accounts (id INT PRIMARY KEY, balance INT NOT NULL) ENGINE=InnoDB');
await branch.query('INSERT IGNORE INTO accounts VALUES (?, 100)', [account]);

const producer = client.xaProducer({ topics: ['payments'], uniqueQualifier: 'debit-example' });
// Opening the manager first recovers whatever an earlier crashed run left in doubt.
const { manager, recovery } = await XaTransactionManager.open({
  name: 'debit-example',
  logPath: process.env.TM_LOG ?? join(tmpdir(), 'debit-example.decisions'),
  resources: [new MariaDbXaResource('accounts-db', branch), producer],
});
if (recovery.committed + recovery.rolledBack > 0) console.log(`recovered: ${recovery.committed} committed, ${recovery.rolledBack} rolled back`);

try {
  await manager.run(async () => {
    const [rows] = await branch.query('SELECT balance FROM accounts WHERE id = ? FOR UPDATE', [account]);
    const balance = (rows as Array<{ balance: number }>)[0]!.balance;
    if (balance < amount) throw new Error(`account ${account} has ${balance}, cannot debit ${amount}`);
    await branch.query('UPDATE accounts SET balance = balance - ? WHERE id = ?', [amount, account]);
    await producer.send({ topic: 'payments', data: JSON.stringify({ account, debited: amount, balance: balance - amount }) });
  });
  console.log(`debited ${amount} from account ${account} and published the event`);
} catch (error) {
  console.log(`nothing happened: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await manager.close();
  await branch.end();
  await client.close();
}
