import mysql from 'mysql2/promise';
import { MariaDbXaResource, MetaqClient, XaTransactionManager } from '../../src/client/index.js';
import type { RecoveryReport, TwoPhaseStep, XaProducer } from '../../src/client/index.js';
import { silentLogger } from './storage-harness.js';

/** One K10 application: a manager over a MariaDB branch and a metaq XA producer. */
export interface XaDebitApp {
  client: MetaqClient;
  connection: mysql.Connection;
  producer: XaProducer;
  manager: XaTransactionManager;
  recovery: RecoveryReport;
  close(): Promise<void>;
}

export interface XaDebitSettings {
  brokerPort: number;
  mariadbPort: number;
  logPath: string;
  onStep?: (step: TwoPhaseStep) => void | Promise<void>;
}

export const K10_TOPIC = 'k10';

/** Open the application; opening the manager recovers whatever a previous run left in doubt. */
export async function openXaDebitApp(settings: XaDebitSettings): Promise<XaDebitApp> {
  const client = new MetaqClient({ serverUrl: `meta://127.0.0.1:${settings.brokerPort}`, partitions: { [K10_TOPIC]: 1 } });
  const connection = await mysql.createConnection({ host: '127.0.0.1', port: settings.mariadbPort, user: 'root', database: 'test' });
  const producer = client.xaProducer({ topics: [K10_TOPIC], uniqueQualifier: 'k10', requestTimeoutMs: 1000 });
  const { manager, recovery } = await XaTransactionManager.open({
    name: 'k10-tm',
    logPath: settings.logPath,
    resources: [new MariaDbXaResource('mariadb', connection), producer],
    onStep: settings.onStep,
    retryIntervalMs: 60_000,
    logger: silentLogger,
  });
  return {
    client,
    connection,
    producer,
    manager,
    recovery,
    close: async () => {
      await manager.close();
      connection.destroy();
      await client.close();
    },
  };
}

/** Debit the account and publish the event, atomically. */
export function debitAndPublish(app: XaDebitApp, account: number, event: string): Promise<void> {
  return app.manager.run(async () => {
    await app.connection.query('UPDATE k10_accounts SET balance = balance - 10 WHERE id = ?', [account]);
    await app.producer.send({ topic: K10_TOPIC, data: event });
  });
}

// As a child process (the transaction manager crash of K10): run one debit, SIGKILL self at a step.
if (process.argv[1]?.endsWith('xa-debit.js') && process.argv[2] !== undefined) {
  const { settings, crashAt, account, event } = JSON.parse(process.argv[2]) as { settings: XaDebitSettings; crashAt: string; account: number; event: string };
  const app = await openXaDebitApp({
    ...settings,
    onStep: (step) => {
      if (step === crashAt) process.kill(process.pid, 'SIGKILL');
    },
  });
  await debitAndPublish(app, account, event);
  await app.close();
}
